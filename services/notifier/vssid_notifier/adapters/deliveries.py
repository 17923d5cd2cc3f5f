"""One delivery record per (declaration, kind): the guard that makes redelivery send nothing."""

from __future__ import annotations

from datetime import datetime

from pymongo.asynchronous.database import AsyncDatabase

from vssid_shared.envelope import CloudEvent
from vssid_shared.mongo import Doc
from vssid_shared.outbox import PENDING, pending

DONE = ("sent", "failed")


class DeliveryStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self.collection = db["deliveries"]

    async def done(self, key: str) -> bool:
        doc = await self.collection.find_one({"_id": key}, {"status": 1})
        return doc is not None and doc["status"] in DONE

    async def attempt(self, key: str, declaration_id: str, kind: str, now: datetime) -> None:
        await self.collection.update_one(
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
        await self.collection.update_one(
            {"_id": key},
            {
                "$set": {"status": status, "updated_at": now, "error": error},
                "$push": {PENDING: pending(event)},
            },
        )
