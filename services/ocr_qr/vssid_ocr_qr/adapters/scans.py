"""MongoDB adapter for scan results: one record per declaration, with its outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from vssid_shared.envelope import CloudEvent
from vssid_shared.mongo import Doc
from vssid_shared.outbox import PENDING, pending


class ScanStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self.collection = db["scans"]

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
