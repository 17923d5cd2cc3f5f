"""MongoDB adapter for declarations: fields sealed at rest, status and outbox in one document."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError, OperationFailure

from vssid_intake.domain.errors import ReferenceTakenError
from vssid_intake.domain.rights import WITHDRAWABLE, WITHDRAWN
from vssid_intake.domain.statuses import Status
from vssid_shared import reconcile
from vssid_shared.clock import as_stored
from vssid_shared.crypto import Keys
from vssid_shared.data_keys import DataKeyDestroyedError
from vssid_shared.envelope import CloudEvent
from vssid_shared.mongo import Doc
from vssid_shared.outbox import PENDING, Queued, pending, update_queuing

COLLECTION = "declarations"  # also an outbox the relay drains
# A status that came before the scan it announces, kept until the scan is recorded.
HELD = "held_status"
IMAGE_WRITE_TRIES = 4  # guarded photo writes before leaving the race to the server
_UNREAD: Any = object()  # `set_image`: the photo it replaces is not known yet


class DeclarationStore:
    def __init__(self, db: AsyncDatabase[Doc], keys: Keys) -> None:
        self._collection = db[COLLECTION]
        self._keys = keys

    async def ensure_indexes(self) -> None:
        await self._collection.create_index(
            [("reference", ASCENDING)],
            unique=True,
            partialFilterExpression={"reference": {"$type": "string"}},
        )
        # `id_number_hash` is written but no query of intake's filters on it: its index (from
        # the first skeleton) only made every write of a declaration maintain one more entry.
        with contextlib.suppress(OperationFailure):
            await self._collection.drop_index("id_number_hash_1")
        # The draft retention sweep reads drafts by last edit: an index, not a scan.
        await self._collection.create_index([("status", ASCENDING), ("updated_at", ASCENDING)])

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

    async def create(
        self, declaration_id: str, token_hash: str, fields: dict[str, Any], now: datetime
    ) -> Doc:
        """A new draft with these (normalised) fields; returns it as stored."""
        now = as_stored(now)  # the answer is this document, not a read: BSON's milliseconds
        doc: Doc = {
            "_id": declaration_id,
            "token_hash": token_hash,
            "status": Status.DRAFT,
            "created_at": now,
            "timeline": [{"status": Status.DRAFT, "at": now}],
            "images": {},
            "applied_events": [],
            **self.field_set(declaration_id, fields, now),
        }
        await self._collection.insert_one(doc)
        return doc

    async def get(self, declaration_id: str) -> Doc | None:
        return await self._collection.find_one({"_id": declaration_id}, {PENDING: 0})

    async def save_fields(
        self, declaration_id: str, fields: dict[str, Any], now: datetime, *, seen: Doc | None = None
    ) -> Doc | None:
        """The draft as stored after the write; None when it is no longer a draft. `seen`: the
        document as the caller read it. The write is guarded on its `updated_at` (every write
        of a draft sets it): when that still holds, nothing changed it in between, and the
        stored document is `seen` with these fields, no read back (issue 13). Otherwise the
        plain write and a read, as before."""
        changes = self.field_set(declaration_id, fields, now)
        draft: Doc = {"_id": declaration_id, "status": Status.DRAFT}
        if seen is not None and seen.get("updated_at") is not None:
            guarded = {**draft, "updated_at": seen["updated_at"]}
            result = await self._collection.update_one(guarded, {"$set": changes})
            if result.matched_count == 1:
                stored: Doc = {**seen, **changes}
                return stored
        result = await self._collection.update_one(draft, {"$set": changes})
        if result.matched_count != 1:
            return None
        return await self.get(declaration_id)

    def field_set(self, declaration_id: str, fields: dict[str, Any], now: datetime) -> Doc:
        """Declared fields as stored: one sealed blob, plus the clear keys routing needs."""
        id_number = (fields.get("id_document") or {}).get("number")
        return {
            "fields_sealed": self.seal_fields(declaration_id, fields),
            "agency_code": fields.get("agency_code"),
            "id_number_hash": self._keys.lookup(id_number) if id_number else None,
            # As stored: a document answered from this write, not read back (`save_fields`).
            "updated_at": as_stored(now),
        }

    async def set_image(
        self,
        declaration_id: str,
        kind: str,
        meta: dict[str, Any],
        now: datetime,
        *,
        seen: Doc | None = None,
    ) -> Doc | None:
        """Returns the document as it was (its `images.<kind>` at least), so the caller can
        delete the replaced file; None when it is no longer a draft. `seen`: the document as
        the caller read it, whose photo of this kind the write expects to replace.

        A conditional update on the photo it replaces, not a findAndModify: SecantusDB writes
        a findAndModify with a filter it cannot route to `_id`, reading every declaration ever
        stored (10 ms per photo at 1,000 declarations, 27 ms at 3,000). A concurrent upload of
        the same kind makes the guard miss; the photo is then read again and the write retried.
        """
        field = f"images.{kind}"
        expected = seen.get("images", {}).get(kind) if seen is not None else _UNREAD
        for _ in range(IMAGE_WRITE_TRIES):
            if expected is _UNREAD:
                found = await self._collection.find_one(
                    {"_id": declaration_id, "status": Status.DRAFT}, {field: 1}
                )
                if found is None:
                    return None
                expected = found.get("images", {}).get(kind)
            replaced = (
                {f"{field}.file_id": expected["file_id"]}
                if expected
                else {field: {"$exists": False}}
            )
            result = await self._collection.update_one(
                {"_id": declaration_id, "status": Status.DRAFT, **replaced},
                {"$set": {field: meta, "updated_at": now}},
            )
            if result.matched_count == 1:
                return {"_id": declaration_id, "images": {kind: expected} if expected else {}}
            expected = _UNREAD
        # Contended that long: let the server pick the winner (exact, only slower).
        return await self._collection.find_one_and_update(
            {"_id": declaration_id, "status": Status.DRAFT},
            {"$set": {field: meta, "updated_at": now}},
            return_document=ReturnDocument.BEFORE,
        )

    async def submit(
        self, declaration_id: str, *, reference: str, key_hash: str | None, event: CloudEvent
    ) -> Queued:
        """Falsy (`NOT_WRITTEN`) when the declaration is no longer a draft (a concurrent submit
        won); ReferenceTakenError when `reference` is another declaration's."""
        try:
            return await self._submit(declaration_id, reference, key_hash, event)
        except DuplicateKeyError as exc:
            raise ReferenceTakenError(reference) from exc

    async def _submit(
        self, declaration_id: str, reference: str, key_hash: str | None, event: CloudEvent
    ) -> Queued:
        # A draft queues no events: `submitted` is its first, unread by the relay (issue 13).
        return await update_queuing(
            self._collection,
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
        await self._collection.update_one(query, update)

    async def set_enrichment(self, declaration_id: str, enrichment: dict[str, Any]) -> Doc | None:
        """Stores the scan's enrichment and applies a status held for it (`hold_status`) in
        the same write when it can; returns a held status still to apply (`apply_held`).

        A hold made before the enrichment is written is always seen, and a hold after it
        cannot happen (`hold_status` needs the enrichment absent). Usually none is held: the
        enrichment's write, guarded on that, answers it alone. Else the held status is read
        and applied with the enrichment in one write (the status never shows without it).
        Any other outcome takes the plain write and a read, as before. Updates and reads by
        `_id`, never a findAndModify: SecantusDB answers that by reading the whole collection
        (issue 13, third and fifth rounds)."""
        stored = {"enrichment_sealed": self._keys.records.seal_json(enrichment, declaration_id)}
        result = await self._collection.update_one(
            {"_id": declaration_id, HELD: {"$exists": False}}, {"$set": stored}
        )
        if result.matched_count == 1:
            return None
        doc = await self._collection.find_one({"_id": declaration_id}, {"status": 1, HELD: 1})
        if doc is None:
            return None  # gone (discarded): nothing to store it on
        held: Doc | None = doc.get(HELD)
        if held is not None and doc.get("status") == Status.SUBMITTED:
            entry = {"status": held["status"], "at": held["at"]}
            extra = {**(held.get("extra") or {}), **stored}
            before = (Status.SUBMITTED,)
            if await self.move_on(declaration_id, held["event_id"], entry, before, extra=extra):
                return None
        await self._collection.update_one({"_id": declaration_id}, {"$set": stored})
        doc = await self._collection.find_one({"_id": declaration_id}, {"status": 1, HELD: 1})
        if doc is None or doc.get("status") != Status.SUBMITTED:
            return None
        still: Doc | None = doc.get(HELD)
        return still

    async def hold_status(
        self, declaration_id: str, event_id: str, entry: Doc, extra: Doc | None = None
    ) -> bool:
        """Keeps `entry` on a `submitted` declaration whose enrichment is not stored yet, for
        `set_enrichment` to return. False: not submitted, or the enrichment is there now."""
        result = await self._collection.update_one(
            {
                "_id": declaration_id,
                "status": Status.SUBMITTED,
                "enrichment_sealed": {"$exists": False},
            },
            {"$set": {HELD: {**entry, "event_id": event_id, "extra": extra or {}}}},
        )
        return result.matched_count == 1

    async def apply_held(self, declaration_id: str, held: Doc) -> bool:
        """The status `hold_status` kept, applied as `move_on` applies one that came after
        the scan."""
        entry = {"status": held["status"], "at": held["at"]}
        return await self.move_on(
            declaration_id, held["event_id"], entry, (Status.SUBMITTED,), extra=held.get("extra")
        )

    async def advance(
        self, declaration_id: str, status: Status, predecessors: tuple[Status, ...]
    ) -> None:
        await self._collection.update_one(
            {"_id": declaration_id, "status": {"$in": list(predecessors)}},
            {"$set": {"status": status}},
        )

    async def move_on(
        self,
        declaration_id: str,
        event_id: str,
        entry: Doc,
        predecessors: tuple[Status, ...],
        *,
        scanned: bool = False,
        extra: Doc | None = None,
    ) -> bool:
        """`record_event` (once per event and status, `extra` set) and `advance` in one write,
        when both apply, and, if `scanned`, only once the enrichment is recorded; a status
        held for the scan (`hold_status`) is cleared by it. False when any of that does not
        hold (nothing written: the caller takes the step-by-step path)."""
        query: Doc = {
            "_id": declaration_id,
            "applied_events": {"$ne": event_id},
            "timeline.status": {"$ne": entry["status"]},
            "status": {"$in": list(predecessors)},
        }
        if scanned:
            query["enrichment_sealed"] = {"$type": "string"}
        result = await self._collection.update_one(
            query,
            {
                "$push": {"timeline": entry, "applied_events": event_id},
                "$set": {**(extra or {}), "status": entry["status"]},
                "$unset": {HELD: ""},
            },
        )
        return result.modified_count == 1

    async def hold_account(self, declaration_id: str, event: CloudEvent) -> bool:
        """Records once that verifying this declaration left an existing account alone, with
        the event that tells review so."""
        result = await self._collection.update_one(
            {"_id": declaration_id, "account_outcome": {"$exists": False}},
            {
                "$set": {"account_outcome": event.data.get("reason")},
                "$push": {PENDING: pending(event)},
            },
        )
        return result.modified_count == 1

    def _stuck(self, now: datetime, after_seconds: float, max_attempts: int) -> Doc:
        return {
            "status": Status.SUBMITTED,
            "submitted_at": {"$lte": now - timedelta(seconds=after_seconds)},
            **reconcile.stuck(now, after_seconds, max_attempts),
        }

    async def stuck_submitted(
        self, now: datetime, after_seconds: float, max_attempts: int
    ) -> list[Doc]:
        """Declarations still `submitted` after the reconcile period, attempts left."""
        return await self._collection.find(self._stuck(now, after_seconds, max_attempts)).to_list(
            None
        )

    async def claim_resend(
        self,
        declaration_id: str,
        event: CloudEvent,
        now: datetime,
        after_seconds: float,
        max_attempts: int,
    ) -> bool:
        """Queues `event` again and counts the attempt, if the declaration is still stuck
        (replicas side by side claim it once)."""
        result = await self._collection.update_one(
            {"_id": declaration_id, **self._stuck(now, after_seconds, max_attempts)},
            reconcile.claim(event, now, after_seconds),
        )
        return result.modified_count == 1

    # --- the applicant's rights and retention ------------------------------------------------

    async def delete_draft(self, declaration_id: str) -> bool:
        result = await self._collection.delete_one({"_id": declaration_id, "status": Status.DRAFT})
        return result.deleted_count == 1

    async def withdraw(self, declaration_id: str, event: CloudEvent, now: datetime) -> bool:
        """Submitted, not yet decided: a tombstone without personal data, `withdrawn` queued."""
        result = await self._collection.update_one(
            {"_id": declaration_id, "status": {"$in": list(WITHDRAWABLE)}},
            {
                "$set": {"status": WITHDRAWN, "withdrawn_at": now, "images": {}},
                "$unset": {"fields_sealed": "", "enrichment_sealed": "", "id_number_hash": ""},
                "$push": {"timeline": {"status": WITHDRAWN, "at": now}, PENDING: pending(event)},
            },
        )
        return result.modified_count == 1

    async def stale_drafts(self, edited_before: datetime) -> list[Doc]:
        """Drafts last edited before then (their photos and edit time only)."""
        query = {"status": Status.DRAFT, "updated_at": {"$lte": edited_before}}
        found = self._collection.find(query, {"images": 1, "updated_at": 1})
        return await found.to_list(None)

    async def delete_stale_draft(self, declaration_id: str, updated_at: datetime) -> bool:
        """Deletes the draft unless it was edited (or submitted) since it was read."""
        result = await self._collection.delete_one(
            {"_id": declaration_id, "status": Status.DRAFT, "updated_at": updated_at}
        )
        return result.deleted_count == 1
