"""A per-client sliding-window rate limit, kept in process memory."""

from __future__ import annotations

import time
from collections import deque


class RateLimiter:
    """Good enough for one intake process; several replicas each allow the rate (documented)."""

    def __init__(
        self, per_minute: int, *, window: float = 60.0, max_clients: int = 100_000
    ) -> None:
        self._limit = per_minute
        self._window = window
        self._max_clients = max_clients
        self._hits: dict[str, deque[float]] = {}

    def allow(self, client: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        hits = self._hits.setdefault(client, deque())
        while hits and hits[0] <= now - self._window:
            hits.popleft()
        if len(hits) >= self._limit:
            return False
        hits.append(now)
        if len(self._hits) > self._max_clients:
            self._hits.pop(next(iter(self._hits)))  # drop the oldest client, memory stays bounded
        return True
