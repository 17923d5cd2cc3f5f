"""One delivery record per (declaration, kind): the guard that makes redelivery send nothing."""

from __future__ import annotations

from datetime import datetime

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from vssid_notifier.domain.errors import RecordNotWrittenError
from vssid_shared.contracts import CloudEvent
from vssid_shared.mongo import Doc
from vssid_shared.outbox import PENDING, pending

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

    async def attempt(self, key: str, declaration_id: str, kind: str, now: datetime) -> None:
        await self._collection.update_one(
            {"_id": key},
            {
                "$setOnInsert": {"declaration_id": declaration_id, "kind": kind, "created_at": now},
                "$set": {"status": "sending", "updated_at": now},
                "$inc": {"attempts": 1},
            },
            upsert=True,
        )

    async def finish(
        self, key: str, status: str, now: datetime, event: CloudEvent, error: str | None = None
    ) -> None:
        # Only over `sending`: a retried write whose first try did land changes nothing.
        try:
            await self._collection.update_one(
                {"_id": key, "status": "sending"},
                {
                    "$set": {"status": status, "updated_at": now, "error": error},
                    "$push": {PENDING: pending(event)},
                },
            )
        except PyMongoError as exc:
            raise RecordNotWrittenError(type(exc).__name__) from exc
