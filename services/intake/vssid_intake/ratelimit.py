"""A per-client rate limit shared by every intake replica (MongoDB holds the counters)."""

from __future__ import annotations

from datetime import datetime, timedelta

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection

from vssid_shared.clock import Clock
from vssid_shared.crypto import KeyedHasher
from vssid_shared.mongo import Doc


def sliding_count(previous: int, current: int, into_window: float) -> float:
    """Requests in the last window, estimated from two fixed-window counters.

    The previous window's count is weighted by the share of it still inside the sliding
    window (the usual sliding-window-counter estimate): no burst of twice the limit across a
    window boundary, and two small documents per client instead of one per request.
    """
    return previous * (1.0 - into_window) + current


class RateLimiter:
    """`per_window` requests per client per `window`, counted in MongoDB.

    A counter per (client, window) is incremented atomically, so replicas share the limit;
    client addresses are stored only as keyed hashes, and counters expire on their own.
    """

    def __init__(
        self,
        collection: AsyncCollection[Doc],
        hasher: KeyedHasher,
        clock: Clock,
        per_window: int,
        window: timedelta = timedelta(minutes=1),
    ) -> None:
        self._collection = collection
        self._hasher = hasher
        self._clock = clock
        self._limit = per_window
        self._window = window.total_seconds()

    async def ensure_indexes(self) -> None:
        await self._collection.create_index([("expires_at", ASCENDING)], expireAfterSeconds=0)

    async def allow(self, client: str) -> bool:
        now = self._clock()
        slot, into = divmod(now.timestamp(), self._window)
        key = self._hasher(f"ratelimit:{client}")
        expires = datetime.fromtimestamp((slot + 2) * self._window, now.tzinfo)
        doc = await self._collection.find_one_and_update(
            {"_id": f"{key}:{int(slot)}"},
            {"$inc": {"n": 1}, "$setOnInsert": {"expires_at": expires}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        previous = await self._collection.find_one({"_id": f"{key}:{int(slot) - 1}"})
        current = int((doc or {}).get("n", 1))  # an upsert returning AFTER always has it
        count = sliding_count(int((previous or {}).get("n", 0)), current, into / self._window)
        # Refused requests count too: a client hammering the lookup stays refused.
        return count <= self._limit
