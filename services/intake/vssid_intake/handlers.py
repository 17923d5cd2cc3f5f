"""Intake's use cases: drafts, images, submission, and reacting to other services' events."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from vssid_intake.adapters.declarations import DeclarationStore
from vssid_intake.consent import ConsentCatalog, consent_problems, consent_record, take_consent
from vssid_intake.domain.agencies import AgencyCatalog
from vssid_intake.domain.fields import (
    apply_submit_defaults,
    check_submittable,
    merge_draft,
    normalize_fields,
)
from vssid_intake.domain.images import process_image
from vssid_intake.errors import ConflictError, InvalidFieldsError, NotFoundError
from vssid_intake.reference import new_reference
from vssid_intake.sin_checks import SinChecks
from vssid_intake.statuses import PREDECESSORS, STATUS_BY_EVENT, Status
from vssid_shared.clock import Clock, vn_date
from vssid_shared.crypto import Keys, new_token, token_hash
from vssid_shared.envelope import CloudEvent, new_event
from vssid_shared.images import ImageVault
from vssid_shared.jsonable import to_jsonable
from vssid_shared.mongo import Doc
from vssid_shared.outbox import OutboxRelay
from vssid_shared.shredding import create_key, load_key
from vssid_shared.subjects import Event

SOURCE = "vssid/intake"
IMAGE_KINDS = ("portrait", "id_front", "id_back")


class ScanNotRecordedYetError(Exception):
    """A status event that arrived before the scan it follows: retried, never dropped."""


@dataclass
class Intake:
    """Everything the use cases need, built once by bootstrap."""

    store: DeclarationStore
    vault: ImageVault
    agencies: AgencyCatalog
    keys: Keys
    relay: OutboxRelay
    clock: Clock
    max_image_bytes: int
    max_image_pixels: int
    checks: SinChecks
    consents: ConsentCatalog = field(default_factory=ConsentCatalog.load)

    async def load(self, declaration_id: str, token: str) -> Doc:
        doc = await self.store.get(declaration_id)
        # Another declaration's token is told 'not found': no hint that the id exists.
        if doc is None or doc.get("token_hash") != token_hash(token):
            raise NotFoundError
        await load_key(self.keys, declaration_id)
        return doc

    def normalize(self, raw: dict[str, Any], client: str | None = None) -> dict[str, Any]:
        raw, consent, blocking, named = take_consent(raw, self.consents)
        fields, errors = normalize_fields(raw, today=vn_date(self.clock()))
        if blocking := [e for e in errors if e.severity == "error"] + blocking:
            raise InvalidFieldsError(blocking)
        jsonable: dict[str, Any] = to_jsonable(fields)
        if named:  # the consent record, stamped here (time, client address), never by a client
            jsonable["consent"] = consent_record(consent, self.clock(), client)
        return jsonable

    async def create_declaration(
        self, raw: dict[str, Any], client: str | None = None
    ) -> tuple[Doc, str]:
        fields = self.normalize(raw, client)
        now = self.clock()
        declaration_id, token = str(uuid.uuid4()), new_token()
        await create_key(self.keys, declaration_id, now)  # its own data key (crypto-shredding)
        doc: Doc = {
            "_id": declaration_id,
            "token_hash": token_hash(token),
            "status": Status.DRAFT,
            "created_at": now,
            "timeline": [{"status": Status.DRAFT, "at": now}],
            "images": {},
            "applied_events": [],
            **self.store.field_set(declaration_id, fields, now),
        }
        await self.store.insert(doc)
        return doc, token

    async def update_declaration(
        self, declaration_id: str, token: str, raw: dict[str, Any], client: str | None = None
    ) -> Doc:
        doc = await self.load(declaration_id, token)
        if doc["status"] != Status.DRAFT:
            raise ConflictError
        changes = self.normalize(raw, client)
        fields = to_jsonable(merge_draft(self.store.open_fields(doc), changes))
        if not await self.store.save_fields(declaration_id, fields, self.clock()):
            raise ConflictError
        return await self.load(declaration_id, token)

    async def put_image(self, declaration_id: str, token: str, kind: str, data: bytes) -> Doc:
        doc = await self.load(declaration_id, token)
        if doc["status"] != Status.DRAFT:
            raise ConflictError
        image = await asyncio.to_thread(
            process_image, data, max_bytes=self.max_image_bytes, max_pixels=self.max_image_pixels
        )
        meta = {
            "kind": kind,
            "content_type": image.content_type,
            "width": image.width,
            "height": image.height,
            "sha256": image.sha256,
            "size": len(image.data),
        }
        file_id = await self.vault.put(declaration_id, kind, image.data, meta)
        before = await self.store.set_image(
            declaration_id, kind, {**meta, "file_id": file_id}, self.clock()
        )
        if before is None:
            await self.vault.delete(file_id)
            raise ConflictError
        if old := before.get("images", {}).get(kind):
            await self.vault.delete(old["file_id"])
        return meta

    async def submit_declaration(
        self, declaration_id: str, token: str, idempotency_key: str | None
    ) -> Doc:
        doc = await self.load(declaration_id, token)
        key_hash = token_hash(idempotency_key) if idempotency_key else None
        if doc["status"] != Status.DRAFT:
            return self._replay(doc, key_hash)
        fields = apply_submit_defaults(self.store.open_fields(doc))
        today = vn_date(self.clock())
        errors = check_submittable(fields, set(doc["images"]), self.agencies, today=today)
        errors += consent_problems(fields, self.consents.current(today))
        if errors:
            raise InvalidFieldsError(errors)
        # For the clerk: the number's registry match and any account it already has.
        checks = await self.checks.for_submit(fields)
        return await self._commit_submit(doc, fields, key_hash, checks)

    def _replay(self, doc: Doc, key_hash: str | None) -> Doc:
        """The same Idempotency-Key gets the same answer; anything else is a conflict."""
        if key_hash is not None and doc.get("submit_key_hash") == key_hash:
            return doc
        raise ConflictError

    async def _commit_submit(
        self,
        doc: Doc,
        fields: dict[str, Any],
        key_hash: str | None,
        checks: tuple[list[dict[str, Any]], dict[str, Any] | None],
    ) -> Doc:
        for _ in range(5):
            reference = new_reference(fields["agency_code"])
            event = self.submitted_event(doc, fields, reference, *checks)
            try:
                won = await self.store.submit(
                    doc["_id"], reference=reference, key_hash=key_hash, event=event
                )
            except DuplicateKeyError:
                continue  # reference collision: draw again
            self.relay.kick(self.store.collection)
            fresh = await self.store.get(doc["_id"])
            assert fresh is not None
            return fresh if won else self._replay(fresh, key_hash)
        raise ConflictError("Không tạo được mã hồ sơ, vui lòng thử lại.")

    def submitted_event(
        self,
        doc: Doc,
        fields: dict[str, Any],
        reference: str,
        sin_findings: list[dict[str, Any]] | None = None,
        account: dict[str, Any] | None = None,
        *,
        submitted_at: datetime | None = None,
    ) -> CloudEvent:
        agency = self.agencies.get(fields["agency_code"])
        images = {
            kind: {k: meta[k] for k in ("file_id", "sha256", "content_type")}
            for kind, meta in doc["images"].items()
        }
        data = {
            "reference": reference,
            "submitted_at": (submitted_at or self.clock()).isoformat(),
            "agency": to_jsonable(agency.public()) if agency else {"code": fields["agency_code"]},
            "send_email_copy": bool(fields.get("send_email_copy")),
            "images": images,
            "sealed": self.keys.events.seal_json(fields, doc["_id"]),
            # Additive (v1): findings about the typed social-insurance number (no personal
            # data in them) and, sealed, the active account it already has (since, masked phone).
            "sin_findings": sin_findings or [],
            "account_sealed": self.keys.events.seal_json(account, doc["_id"]) if account else None,
        }
        return new_event(
            Event.SUBMITTED,
            source=SOURCE,
            declaration_id=doc["_id"],
            agency_code=fields["agency_code"],
            data=data,
        )

    async def on_status_event(self, event: CloudEvent) -> None:
        status = STATUS_BY_EVENT[event.event]
        if status is Status.AWAITING_VERIFICATION:
            await self._scan_recorded_first(event.subject)
        entry = {"status": status, "at": event.time}
        # Once per status too: a reconciler's re-emit comes under a fresh event id.
        await self.store.record_event(event.subject, event.id, entry, once_per_status=True)
        await self.store.advance(event.subject, status, PREDECESSORS[status])

    async def _scan_recorded_first(self, declaration_id: str) -> None:
        """Review announces `awaiting_verification` once it has the scan, but intake reads the
        scan from its own durable with no order between the two: never let the status run ahead
        of the enrichment it announces. Raising makes settle() retry the event shortly (1, 2,
        4 ... s, within MAX_DELIVER), by when the scan is recorded."""
        doc = await self.store.get(declaration_id)
        if (
            doc is not None
            and doc.get("status") == Status.SUBMITTED
            and not doc.get("enrichment_sealed")
        ):
            raise ScanNotRecordedYetError(declaration_id)

    async def on_scanned(self, event: CloudEvent) -> None:
        sealed = self.keys.events.open_json(event.data["sealed"], event.subject)
        enrichment = {
            "qr": event.data.get("qr"),
            "findings": event.data.get("findings", []),
            "card": sealed.get("card"),
            "discrepancies": sealed.get("discrepancies", []),
        }
        await self.store.set_enrichment(event.subject, enrichment)
