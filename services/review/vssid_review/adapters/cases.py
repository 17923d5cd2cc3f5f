"""MongoDB adapter for cases: conditional transitions, audit trail and outbox in one document."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from vssid_review.domain import DECIDABLE, CaseStatus
from vssid_shared.envelope import CloudEvent
from vssid_shared.mongo import Doc
from vssid_shared.outbox import PENDING, pending

LIST_FIELDS = {"sealed": 0, PENDING: 0, "audit": 0}


class CaseStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self.collection = db["cases"]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index([("agency_code", ASCENDING), ("opened_at", ASCENDING)])
        await self.collection.create_index([("reference", ASCENDING)], unique=True)
        await self.collection.create_index([("id_number_hash", ASCENDING)])
        await self.collection.create_index([("image_sha256", ASCENDING)])

    async def open(self, case: Doc, event: CloudEvent) -> bool:
        try:
            await self.collection.insert_one({**case, PENDING: [pending(event)]})
        except DuplicateKeyError:
            return False
        return True

    async def get(self, case_id: str, agency_code: str) -> Doc | None:
        return await self.collection.find_one(
            {"_id": case_id, "agency_code": agency_code}, {PENDING: 0}
        )

    async def by_reference(self, reference: str, agency_code: str) -> Doc | None:
        return await self.collection.find_one(
            {"reference": reference, "agency_code": agency_code}, {PENDING: 0}
        )

    async def queue(self, agency_code: str, status: str | None) -> list[Doc]:
        query: Doc = {"agency_code": agency_code}
        if status:
            query["status"] = status
        cursor = self.collection.find(query, LIST_FIELDS).sort("opened_at", ASCENDING)
        return await cursor.to_list(None)

    async def decide(
        self, case_id: str, agency_code: str, status: CaseStatus, audit: Doc, event: CloudEvent
    ) -> bool:
        """A conditional update: of two concurrent decisions exactly one matches."""
        result = await self.collection.update_one(
            {"_id": case_id, "agency_code": agency_code, "status": {"$in": list(DECIDABLE)}},
            {
                "$set": {"status": status, "decided_at": event.time},
                "$push": {"audit": audit, PENDING: pending(event)},
            },
        )
        return result.modified_count == 1

    async def audit(self, case_id: str, entry: Doc) -> None:
        await self.collection.update_one({"_id": case_id}, {"$push": {"audit": entry}})

    async def audit_once(self, case_id: str, entry: Doc) -> None:
        """Appends an entry keyed by its event id once, however often the event comes."""
        await self.collection.update_one(
            {"_id": case_id, "audit.event_id": {"$ne": entry["event_id"]}},
            {"$push": {"audit": entry}},
        )

    async def mark_account_held(self, case_id: str, reason: str | None) -> None:
        await self.collection.update_one(
            {"_id": case_id}, {"$set": {"account_held": reason or "account_active"}}
        )

    async def others_with_id_number(self, id_number_hash: str, case_id: str) -> list[Doc]:
        query: dict[str, Any] = {
            "id_number_hash": id_number_hash,
            "_id": {"$ne": case_id},
            "status": {"$in": [CaseStatus.AWAITING_VERIFICATION, CaseStatus.VERIFIED]},
        }
        shown = {"reference": 1, "status": 1, "agency_code": 1}
        return await self.collection.find(query, shown).to_list(None)

    async def others_with_images(
        self, hashes: list[str], case_id: str, limit: int = 20
    ) -> list[Doc]:
        """Other cases submitted with any of these photo bytes (by sha256), the latest first;
        at most `limit`: a photo reused that often is a finding whatever the exact count."""
        query: dict[str, Any] = {"image_sha256": {"$in": hashes}, "_id": {"$ne": case_id}}
        shown = {"reference": 1, "status": 1, "agency_code": 1, "image_sha256": 1}
        cursor = self.collection.find(query, shown).sort("opened_at", -1).limit(limit)
        return await cursor.to_list(None)
