"""MongoDB adapter for scan results: one record per declaration, with its outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from vssid_ocr_qr.adapters import sighting_migration
from vssid_shared.envelope import CloudEvent
from vssid_shared.mongo import Doc
from vssid_shared.outbox import PENDING, pending

COLLECTION = "scans"  # also the outbox the relay drains


class ScanStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._collection = db[COLLECTION]
        # Which declaration was submitted with which photo bytes (one document per declaration,
        # its photos' hashes in `sha256`; older ones hold one hash each), written *before*
        # looking for the same bytes elsewhere: of two declarations scanned at the same moment,
        # the later reader always sees the other (looking only at finished scans, both could
        # miss).
        self._sightings = db["image_sightings"]
        # Once the older scans' photos are in the sightings (`adopt_older_scans`), a lookup
        # asks the sightings alone.
        self._older_in_sightings = False

    async def ensure_indexes(self) -> None:
        await self._collection.create_index([("image_sha256", ASCENDING)])
        await self._sightings.create_index([("sha256", ASCENDING)])

    async def adopt_older_scans(self) -> None:
        """At start-up: the photos of scans from before sightings copied into them, once per
        database; from then on this process's lookups skip the scan records."""
        await sighting_migration.migrate(self._collection, self._sightings)
        self._older_in_sightings = True

    async def sight(self, sha256: str, declaration_id: str, reference: str | None) -> None:
        """Note that this declaration carries these photo bytes (idempotent)."""
        await self.sight_all([sha256], declaration_id, reference)

    async def sight_all(
        self, hashes: list[str], declaration_id: str, reference: str | None
    ) -> None:
        """`sight` for all of a declaration's photos in one write: one document per declaration
        holding its photo hashes (a multikey index on `sha256` finds it by any of them). One
        upsert is one commit on the server, where one per photo was one each (with the log
        synced on every commit, the commit is most of a write's cost)."""
        if not hashes:
            return
        await self._sightings.update_one(
            {"_id": declaration_id},
            {
                "$set": {"declaration_id": declaration_id, "reference": reference},
                "$addToSet": {"sha256": {"$each": list(dict.fromkeys(hashes))}},
            },
            upsert=True,
        )

    async def references_with_images(self, hashes: list[str], declaration_id: str) -> list[str]:
        """References of other declarations that were submitted with any of these photos."""
        found = await self.references_by_image(hashes, declaration_id)
        return sorted({reference for references in found.values() for reference in references})

    async def references_by_image(
        self, hashes: list[str], declaration_id: str
    ) -> dict[str, list[str]]:
        """For each of these photo hashes seen elsewhere, the references of the other
        declarations submitted with it: one query per collection for all the photos.

        Only references (agency-prefixed), never a declaration id: a finding may be shown to
        another agency, which must not learn the id of a case it cannot open.
        """
        wanted = set(hashes)
        found: dict[str, set[str]] = {}
        # By hash alone, the declaration itself skipped here: a second condition in the filter
        # would keep the server from answering it from the index (a scan of every sighting).
        seen = self._sightings.find(
            {"sha256": {"$in": hashes}}, {"reference": 1, "declaration_id": 1, "sha256": 1}
        )
        async for doc in seen:
            if doc.get("reference") and doc["declaration_id"] != declaration_id:
                # One hash per document before sightings were kept per declaration.
                held = doc["sha256"] if isinstance(doc["sha256"], list) else [doc["sha256"]]
                for sha256 in wanted.intersection(held):
                    found.setdefault(sha256, set()).add(doc["reference"])
        if self._older_in_sightings:
            return {sha256: sorted(references) for sha256, references in found.items()}
        # Scans finished before sightings existed are only in the scan records.
        older = self._collection.find(
            {"image_sha256": {"$in": hashes}}, {"reference": 1, "image_sha256": 1}
        )
        async for doc in older:
            if doc.get("reference") and doc["_id"] != declaration_id:
                for sha256 in wanted.intersection(doc.get("image_sha256") or ()):
                    found.setdefault(sha256, set()).add(doc["reference"])
        return {sha256: sorted(references) for sha256, references in found.items()}

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
