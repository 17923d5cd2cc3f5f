"""Who may use the QR decoder now: a per-client rate limit (shared by replicas) and at most a
few decodes in flight per client (per replica), so one client cannot occupy every decoder."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from vssid_intake.domain.errors import DecodeBusyError, DecodeRateLimitedError
from vssid_intake.ports import RateLimit


@dataclass
class DecodeGate:
    limiter: RateLimit
    in_flight_per_client: int
    _in_flight: Counter[str] = field(default_factory=Counter)

    @asynccontextmanager
    async def admit(self, client: str) -> AsyncIterator[None]:
        """Refuse (429) before any body is read; hold the client's slot while it decodes."""
        if self._in_flight[client] >= self.in_flight_per_client:
            raise DecodeBusyError
        self._in_flight[client] += 1  # taken before the await: concurrent requests see it
        try:
            if not await self.limiter.allow(client):
                raise DecodeRateLimitedError
            yield
        finally:
            self._in_flight[client] -= 1
            if self._in_flight[client] <= 0:
                del self._in_flight[client]
