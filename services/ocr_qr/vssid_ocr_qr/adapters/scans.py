"""MongoDB adapter for scan results: one record per declaration, with its outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from vssid_shared.envelope import CloudEvent
from vssid_shared.mongo import Doc
from vssid_shared.outbox import PENDING, pending


class ScanStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self.collection = db["scans"]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index([("image_sha256", ASCENDING)])

    async def references_with_images(self, hashes: list[str], declaration_id: str) -> list[str]:
        """References of other declarations that were submitted with any of these photos."""
        cursor = self.collection.find(
            {"image_sha256": {"$in": hashes}, "_id": {"$ne": declaration_id}}, {"reference": 1}
        )
        return sorted({doc.get("reference") or doc["_id"] async for doc in cursor})

    async def exists(self, declaration_id: str) -> bool:
        return await self.collection.find_one({"_id": declaration_id}, {"_id": 1}) is not None

    async def record(
        self, declaration_id: str, summary: dict[str, Any], event: CloudEvent, now: datetime
    ) -> bool:
        """Stores the scan and its `scanned` event at once; False when a copy got there first."""
        try:
            await self.collection.insert_one(
                {"_id": declaration_id, "created_at": now, **summary, PENDING: [pending(event)]}
            )
        except DuplicateKeyError:
            return False
        return True
