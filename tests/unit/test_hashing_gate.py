"""argon2 work is bounded: a few run, a few wait, the rest are refused at once (503)."""

from __future__ import annotations

import asyncio
import threading

import pytest

from vssid_intake.adapters.hashing import HashingGate
from vssid_intake.domain.errors import HashingBusyError


async def test_beyond_the_line_a_check_is_refused_at_once() -> None:
    gate = HashingGate(workers=1, max_waiting=1)
    release = threading.Event()
    started = threading.Event()

    def slow() -> str:
        started.set()
        release.wait(30)
        return "done"

    try:
        running = asyncio.create_task(gate.run(slow))
        await asyncio.to_thread(started.wait, 30)
        waiting = asyncio.create_task(gate.run(lambda: "next"))
        await asyncio.sleep(0)  # admitted: it waits for the one thread
        assert not gate.has_room()
        with pytest.raises(HashingBusyError) as refused:
            await gate.run(lambda: "third")
        assert refused.value.status == 503
        assert refused.value.headers() == {"Retry-After": "2"}
        release.set()
        assert await running == "done"
        assert await waiting == "next"
        assert gate.has_room()
    finally:
        release.set()
        gate.close()
