"""A per-client rate limit shared by every intake replica (MongoDB holds the counters)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

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
        name: str = "ratelimit",
    ) -> None:
        self._collection = collection
        self._hasher = hasher
        self._clock = clock
        self._limit = max(per_window, 1)
        self._window = window
        self._name = name  # limiters sharing a collection keep apart by name

    @property
    def window(self) -> timedelta:
        return self._window

    def _key(self, client: str) -> str:
        return self._hasher(f"{self._name}:{client}")

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
        query = {"_id": self._key(client), **has_room}
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

    async def refund(self, client: str) -> None:
        """Gives one allowed request back (it was not spent after all): drops the newest time."""
        await self._collection.update_one({"_id": self._key(client)}, {"$pop": {"at": 1}})

    async def clear(self, client: str) -> None:
        await self._collection.delete_one({"_id": self._key(client)})

    async def retry_after(self, client: str) -> int:
        """Whole seconds until the client has room again (at least 1)."""
        doc = await self._collection.find_one({"_id": self._key(client)}, {"at": 1})
        times = (doc or {}).get("at") or []
        if len(times) < self._limit:
            return 1
        oldest: datetime = times[0]
        if oldest.tzinfo is None:  # PyMongo hands back naive UTC unless tz_aware
            oldest = oldest.replace(tzinfo=UTC)
        wait = (oldest + self._window - self._clock()).total_seconds()
        return max(1, math.ceil(wait))
