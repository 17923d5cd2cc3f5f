"""The decode gate's rules and the pool's late-request skip, without servers."""

from __future__ import annotations

import asyncio
import time
from typing import Any, cast

import pytest

from vssid_intake.adapters.ratelimit import RateLimiter
from vssid_intake.domain.errors import DecodeBusyError, DecodeRateLimitedError
from vssid_intake.entrypoints.decode_gate import DecodeGate
from vssid_ocr_qr.adapters.scanning import EXPIRED, decode_unless_late


class Budget:
    """A stand-in for the MongoDB limiter: `left` requests allowed, then refused."""

    def __init__(self, left: int) -> None:
        self.left = left

    async def allow(self, client: str) -> bool:
        self.left -= 1
        return self.left >= 0


def gate(left: int, in_flight: int = 1) -> DecodeGate:
    return DecodeGate(cast(RateLimiter, Budget(left)), in_flight)


def test_a_second_decode_in_flight_from_one_client_is_refused() -> None:
    async def scenario() -> list[Any]:
        g = gate(10)
        release = asyncio.Event()

        async def hold(client: str) -> str:
            async with g.admit(client):
                await release.wait()
            return "done"

        first = asyncio.create_task(hold("a"))
        await asyncio.sleep(0)
        outcomes: list[Any] = []
        for client in ("a", "b"):
            try:
                async with g.admit(client):
                    outcomes.append("admitted")
            except DecodeBusyError as exc:
                outcomes.append(exc.headers())
        release.set()
        outcomes.append(await first)
        async with g.admit("a"):  # its slot is back once the first finished
            outcomes.append("again")
        return outcomes

    assert asyncio.run(scenario()) == [{"Retry-After": "2"}, "admitted", "done", "again"]


def test_over_the_rate_is_a_429_with_retry_after() -> None:
    async def scenario() -> dict[str, str]:
        g = gate(1)
        async with g.admit("a"):
            pass
        with pytest.raises(DecodeRateLimitedError) as refused:
            async with g.admit("a"):
                pass
        assert refused.value.status == 429
        return refused.value.headers()

    assert asyncio.run(scenario()) == {"Retry-After": "60"}


def test_a_decode_whose_asker_stopped_waiting_is_skipped() -> None:
    assert decode_unless_late(time.time() - 1, b"not even an image") == EXPIRED
    assert decode_unless_late(time.time() + 60, b"not an image") == {"unreadable": True}
