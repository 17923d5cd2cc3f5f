"""The agency catalog in MongoDB: replaced whole by `vssid agencies import`, read by intake."""

from __future__ import annotations

from datetime import datetime

from pymongo.asynchronous.database import AsyncDatabase

from vssid_intake.domain.agencies import AgencyCatalog
from vssid_shared.mongo import Doc

CATALOG_ID = "current"


class AgencyCatalogStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._collection = db["agency_catalog"]

    async def save(self, catalog: AgencyCatalog, now: datetime) -> None:
        # One document: an import replaces the catalog atomically, never half of it.
        await self._collection.replace_one(
            {"_id": CATALOG_ID},
            {"_id": CATALOG_ID, "json": catalog.to_json(), "imported_at": now},
            upsert=True,
        )

    async def load(self) -> AgencyCatalog | None:
        doc = await self._collection.find_one({"_id": CATALOG_ID})
        return AgencyCatalog.from_json(doc["json"]) if doc else None
