"""A per-client rate limit shared by every intake replica (MongoDB holds the counters)."""

from __future__ import annotations

from datetime import timedelta

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from vssid_shared.clock import Clock
from vssid_shared.crypto import KeyedHasher
from vssid_shared.mongo import Doc


class RateLimiter:
    """At most `per_window` requests per client in any `window` (a sliding log).

    One document per client keeps the times of its last `per_window` allowed requests, oldest
    first. A request is allowed, and its time appended, in one conditional update: when fewer
    than `per_window` times are kept, or the oldest has left the window. Replicas share the
    limit; refused requests are not counted, so a client gets its budget back one window after
    its first allowed request. Addresses are stored only as keyed hashes, and documents expire.
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
        self._limit = max(per_window, 1)
        self._window = window

    async def ensure_indexes(self) -> None:
        await self._collection.create_index([("expires_at", ASCENDING)], expireAfterSeconds=0)

    async def allow(self, client: str) -> bool:
        now = self._clock()
        has_room = {
            "$or": [
                {f"at.{self._limit - 1}": {"$exists": False}},
                {"at.0": {"$lte": now - self._window}},
            ]
        }
        query = {"_id": self._hasher(f"ratelimit:{client}"), **has_room}
        update = {
            "$push": {"at": {"$each": [now], "$slice": -self._limit}},
            "$set": {"expires_at": now + self._window},
        }
        try:
            await self._collection.update_one(query, update, upsert=True)
        except DuplicateKeyError:
            # The client's document exists without room, or a concurrent first request has just
            # created it: the plain update tells which.
            result = await self._collection.update_one(query, update)
            return result.matched_count == 1
        return True
