"""Unit tests leave nothing behind in the process for the tests that run after them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from vssid_shared import shredding


@pytest.fixture(autouse=True)
def _no_data_key_ring_left() -> Iterator[None]:
    """A composition root built here (fakes, a MongoDB client never connected, the default
    URL) joins `shredding.preload`'s rings; left there, every subscriber of a later test in
    the same process (`pytest tests/unit tests/integration`) would wait 2.5 s on that URL's
    server before each message and fail it."""
    before = set(shredding.rings())
    yield
    for ring in set(shredding.rings()) - before:
        ring.close()
