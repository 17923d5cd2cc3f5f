"""One delivery record per (declaration, kind): the guard that makes redelivery send nothing."""

from __future__ import annotations

from datetime import datetime

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError, PyMongoError

from vssid_notifier.domain.deliveries import DONE
from vssid_notifier.domain.errors import RecordNotWrittenError
from vssid_shared.contracts import CloudEvent
from vssid_shared.mongo import Doc
from vssid_shared.outbox import PENDING, Queued, pending, update_queuing

COLLECTION = "deliveries"  # also the outbox the relay drains


class DeliveryStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._collection = db[COLLECTION]

    async def get(self, key: str) -> Doc | None:
        return await self._collection.find_one(
            {"_id": key}, {"status": 1, "attempts": 1, "error": 1}
        )

    async def requeue(self, key: str, event: CloudEvent) -> None:
        await self._collection.update_one({"_id": key}, {"$push": {PENDING: pending(event)}})

    async def begin(self, key: str, declaration_id: str, kind: str, now: datetime) -> Doc | None:
        """An attempt recorded, unless the delivery is done, by one conditional upsert: None
        when it is the first; else the record as it stands (`sending` with this attempt
        counted, or a done one, unchanged), read only then (a redelivery, a reconciler's copy).

        Over a done record the filter misses and the upsert's insert collides on `_id`: the
        record is read, and written nothing. Not findAndModify, which SecantusDB answers by
        reading the whole collection."""
        try:
            return await self._attempt(key, declaration_id, kind, now)
        except DuplicateKeyError:
            found = await self.get(key)
            if found is not None and found.get("status") in DONE:
                return found
        # Not done after all: another copy's first attempt inserted it between the miss and
        # the insert (or the record expired). Now the filter finds it, or the insert succeeds.
        return await self._attempt(key, declaration_id, kind, now)

    async def _attempt(self, key: str, declaration_id: str, kind: str, now: datetime) -> Doc | None:
        result = await self._collection.update_one(
            {"_id": key, "status": {"$nin": list(DONE)}},
            {
                "$setOnInsert": {"declaration_id": declaration_id, "kind": kind, "created_at": now},
                "$set": {"status": "sending", "updated_at": now},
                "$inc": {"attempts": 1},
            },
            upsert=True,
        )
        if result.upserted_id is not None:
            return None
        return await self.get(key)

    async def finish(
        self, key: str, status: str, now: datetime, event: CloudEvent, error: str | None = None
    ) -> Queued:
        # Only over `sending`: a retried write whose first try did land changes nothing. The
        # receipt is usually the record's first event: then the relay sends it unread.
        try:
            return await update_queuing(
                self._collection,
                {"_id": key, "status": "sending"},
                {
                    "$set": {"status": status, "updated_at": now, "error": error},
                    "$push": {PENDING: pending(event)},
                },
            )
        except PyMongoError as exc:
            raise RecordNotWrittenError(type(exc).__name__) from exc
