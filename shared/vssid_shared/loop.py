"""Running a service's main coroutine on uvloop: NATS and HTTP round trips cost less on it."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any, TypeVar

import uvloop

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run` on a uvloop event loop (uvicorn selects uvloop by itself when installed)."""
    return uvloop.run(main)
