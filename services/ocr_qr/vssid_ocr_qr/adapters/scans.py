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

COLLECTION = "scans"  # also the outbox the relay drains


class ScanStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._collection = db[COLLECTION]
        # Which declaration was submitted with which photo bytes, written *before* looking for
        # the same bytes elsewhere: of two declarations scanned at the same moment, the later
        # reader always sees the other (looking only at finished scans, both could miss).
        self._sightings = db["image_sightings"]

    async def ensure_indexes(self) -> None:
        await self._collection.create_index([("image_sha256", ASCENDING)])
        await self._sightings.create_index([("sha256", ASCENDING)])

    async def sight(self, sha256: str, declaration_id: str, reference: str | None) -> None:
        """Note that this declaration carries these photo bytes (idempotent)."""
        await self._sightings.update_one(
            {"_id": f"{sha256}:{declaration_id}"},
            {"$set": {"sha256": sha256, "declaration_id": declaration_id, "reference": reference}},
            upsert=True,
        )

    async def references_with_images(self, hashes: list[str], declaration_id: str) -> list[str]:
        """References of other declarations that were submitted with any of these photos.

        Only references (agency-prefixed), never a declaration id: a finding may be shown to
        another agency, which must not learn the id of a case it cannot open.
        """
        # By hash alone, the declaration itself skipped here: a second condition in the filter
        # would keep the server from answering it from the index (a scan of every sighting).
        seen = self._sightings.find(
            {"sha256": {"$in": hashes}}, {"reference": 1, "declaration_id": 1}
        )
        found = {
            doc["reference"]
            async for doc in seen
            if doc.get("reference") and doc["declaration_id"] != declaration_id
        }
        # Scans finished before sightings existed are only in the scan records.
        older = self._collection.find({"image_sha256": {"$in": hashes}}, {"reference": 1})
        found |= {
            doc["reference"]
            async for doc in older
            if doc.get("reference") and doc["_id"] != declaration_id
        }
        return sorted(found)

    async def exists(self, declaration_id: str) -> bool:
        return await self._collection.find_one({"_id": declaration_id}, {"_id": 1}) is not None

    async def record(
        self, declaration_id: str, summary: dict[str, Any], event: CloudEvent, now: datetime
    ) -> bool:
        """Stores the scan and its `scanned` event at once; False when a copy got there first."""
        stored = pending(event)
        try:
            await self._collection.insert_one(
                # The event is kept too: a reconciler's `submitted` gets it again (`requeue`).
                {
                    "_id": declaration_id,
                    "created_at": now,
                    **summary,
                    "scanned_event": stored,
                    PENDING: [stored],
                },
            )
        except DuplicateKeyError:
            return False
        return True

    async def stored_event(self, declaration_id: str) -> dict[str, Any] | None:
        doc = await self._collection.find_one({"_id": declaration_id}, {"scanned_event": 1})
        found: dict[str, Any] | None = (doc or {}).get("scanned_event")
        return found

    async def requeue(self, declaration_id: str, event: CloudEvent) -> bool:
        result = await self._collection.update_one(
            {"_id": declaration_id}, {"$push": {PENDING: pending(event)}}
        )
        return result.modified_count == 1
