"""`vssid dev` with VSSID_NOTIFIER_WORKERS=2 runs two notifier processes, both logged in to NATS
as the notifier's user; a worker count for a service not started starts nothing. (One service
only: each worker start takes a while on a loaded machine; ocr_qr goes the same way.)"""

from __future__ import annotations

import functools
import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.devrun import DevRun
from vssid.devstack.catalog import is_ready_event


@pytest.fixture
def dev_run(tmp_path: Path) -> Iterator[DevRun]:
    run = DevRun(tmp_path / "data", services="notifier")
    run.env.update(VSSID_OCR_QR_WORKERS="2", VSSID_NOTIFIER_WORKERS="2", VSSID_DEV_SEED="0")
    run.process.env = dict(run.env)
    try:
        yield run
    finally:
        if run.process.running:
            run.stop_with(signal.SIGINT)


def clients_by_user(dev_run: DevRun) -> dict[str, int]:
    """Client connections per authenticated NATS user, from the server's /connz."""
    url = dev_run.url("http", "VSSID_NATS_MONITOR_PORT")
    body = httpx.get(f"{url}/connz", params={"auth": "true"}, timeout=10).json()
    counts: dict[str, int] = {}
    for connection in body.get("connections") or []:
        user = str(connection.get("authorized_user", ""))
        counts[user] = counts.get(user, 0) + 1
    return counts


def announces_ready(label: str, line: str) -> bool:
    """A line the runner relayed from the child `label` (its prefix) saying it is ready."""
    prefix, _, rest = line.partition("| ")
    return prefix.startswith(label) and is_ready_event(rest)


def test_two_notifiers_start_and_log_in_as_the_notifier(dev_run: DevRun) -> None:
    dev_run.start_until_ready()
    for label in ("notifier ", "notifier-2 "):
        dev_run.process.wait_log(functools.partial(announces_ready, label), 10.0)
    counts = clients_by_user(dev_run)
    assert counts.get("notifier", 0) == 2, counts
    assert "ocr_qr" not in counts, counts  # VSSID_OCR_QR_WORKERS alone starts no ocr_qr
    assert dev_run.stop_with(signal.SIGINT) == 0
