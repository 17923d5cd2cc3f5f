"""MongoDB adapter for declarations: fields sealed at rest, status and outbox in one document."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from vssid_intake.statuses import Status
from vssid_shared.crypto import Keys
from vssid_shared.envelope import CloudEvent
from vssid_shared.mongo import Doc
from vssid_shared.outbox import PENDING, pending
from vssid_shared.shredding import DataKeyDestroyedError


class DeclarationStore:
    def __init__(self, db: AsyncDatabase[Doc], keys: Keys) -> None:
        self.collection = db["declarations"]
        self._keys = keys

    async def ensure_indexes(self) -> None:
        await self.collection.create_index(
            [("reference", ASCENDING)],
            unique=True,
            partialFilterExpression={"reference": {"$type": "string"}},
        )
        await self.collection.create_index([("id_number_hash", ASCENDING)])

    def seal_fields(self, declaration_id: str, fields: dict[str, Any]) -> str:
        return self._keys.records.seal_json(fields, declaration_id)

    def open_fields(self, doc: Doc) -> dict[str, Any]:
        if not doc.get("fields_sealed"):
            return {}
        try:
            opened: dict[str, Any] = self._keys.records.open_json(doc["fields_sealed"], doc["_id"])
        except DataKeyDestroyedError:
            return {}  # past retention: shredded
        return opened

    def open_enrichment(self, doc: Doc) -> dict[str, Any] | None:
        if not doc.get("enrichment_sealed"):
            return None
        try:
            sealed = doc["enrichment_sealed"]
            opened: dict[str, Any] = self._keys.records.open_json(sealed, doc["_id"])
        except DataKeyDestroyedError:
            return None
        return opened

    async def insert(self, doc: Doc) -> None:
        await self.collection.insert_one(doc)

    async def get(self, declaration_id: str) -> Doc | None:
        return await self.collection.find_one({"_id": declaration_id}, {PENDING: 0})

    async def save_fields(self, declaration_id: str, fields: dict[str, Any], now: datetime) -> bool:
        result = await self.collection.update_one(
            {"_id": declaration_id, "status": Status.DRAFT},
            {"$set": self.field_set(declaration_id, fields, now)},
        )
        return result.matched_count == 1

    def field_set(self, declaration_id: str, fields: dict[str, Any], now: datetime) -> Doc:
        """Declared fields as stored: one sealed blob, plus the clear keys routing needs."""
        id_number = (fields.get("id_document") or {}).get("number")
        return {
            "fields_sealed": self.seal_fields(declaration_id, fields),
            "agency_code": fields.get("agency_code"),
            "id_number_hash": self._keys.lookup(id_number) if id_number else None,
            "updated_at": now,
        }

    async def set_image(
        self, declaration_id: str, kind: str, meta: dict[str, Any], now: datetime
    ) -> Doc | None:
        """Returns the document as it was, so the caller can delete the replaced file."""
        return await self.collection.find_one_and_update(
            {"_id": declaration_id, "status": Status.DRAFT},
            {"$set": {f"images.{kind}": meta, "updated_at": now}},
            return_document=ReturnDocument.BEFORE,
        )

    async def submit(
        self, declaration_id: str, *, reference: str, key_hash: str | None, event: CloudEvent
    ) -> bool:
        result = await self.collection.update_one(
            {"_id": declaration_id, "status": Status.DRAFT},
            {
                "$set": {
                    "status": Status.SUBMITTED,
                    "reference": reference,
                    "submit_key_hash": key_hash,
                    "submitted_at": event.time,
                },
                "$push": {
                    "timeline": {"status": Status.SUBMITTED, "at": event.time},
                    PENDING: pending(event),
                },
            },
        )
        return result.modified_count == 1

    async def record_event(
        self,
        declaration_id: str,
        event_id: str,
        entry: Doc,
        extra: Doc | None = None,
        *,
        once_per_status: bool = False,
    ) -> None:
        """Appends to the timeline once per event id (and, if asked, once per status),
        whatever the redelivery count."""
        update: Doc = {"$push": {"timeline": entry, "applied_events": event_id}}
        if extra:
            update["$set"] = extra
        query: Doc = {"_id": declaration_id, "applied_events": {"$ne": event_id}}
        if once_per_status:
            query["timeline.status"] = {"$ne": entry["status"]}
        await self.collection.update_one(query, update)

    async def set_enrichment(self, declaration_id: str, enrichment: dict[str, Any]) -> None:
        sealed = self._keys.records.seal_json(enrichment, declaration_id)
        await self.collection.update_one(
            {"_id": declaration_id}, {"$set": {"enrichment_sealed": sealed}}
        )

    async def advance(
        self, declaration_id: str, status: Status, predecessors: tuple[Status, ...]
    ) -> None:
        await self.collection.update_one(
            {"_id": declaration_id, "status": {"$in": list(predecessors)}},
            {"$set": {"status": status}},
        )

    async def hold_account(self, declaration_id: str, event: CloudEvent) -> bool:
        """Records once that verifying this declaration left an existing account alone, with
        the event that tells review so."""
        result = await self.collection.update_one(
            {"_id": declaration_id, "account_outcome": {"$exists": False}},
            {
                "$set": {"account_outcome": event.data.get("reason")},
                "$push": {PENDING: pending(event)},
            },
        )
        return result.modified_count == 1
