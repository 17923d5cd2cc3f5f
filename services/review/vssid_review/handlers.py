"""review's use cases: open a case on `scanned`, show it to its agency, verify or reject."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vssid_review.adapters.cases import CaseStore, queue_key
from vssid_review.adapters.operators import Operator
from vssid_review.domain import (
    DECIDABLE,
    AccountActiveError,
    CaseConflictError,
    CaseNotFoundError,
    CaseStatus,
    ImagesPurgedError,
    ReasonRequiredError,
    visit_deadline,
)
from vssid_shared.clock import Clock, vn_date
from vssid_shared.contracts import StatusChanged
from vssid_shared.crypto import Keys
from vssid_shared.envelope import CloudEvent, new_event
from vssid_shared.images import ImageNotFoundError, ImageVault
from vssid_shared.mongo import Doc
from vssid_shared.outbox import PENDING, OutboxRelay, pending
from vssid_shared.reconcile import MARK, is_reconciled, marked
from vssid_shared.subjects import Event
from vssid_shared.text import name_key

SOURCE = "vssid/review"


def name_hash(keys: Keys, full_name: str | None) -> str | None:
    """The keyed hash staff search a name by: accent- and case-insensitive, never clear text."""
    key = name_key(full_name) if full_name else ""
    return keys.lookup(f"name:{key}") if key else None


@dataclass
class Review:
    cases: CaseStore
    vault: ImageVault
    keys: Keys
    relay: OutboxRelay
    clock: Clock
    visit_window_days: int

    async def on_scanned(self, event: CloudEvent) -> None:
        """Open the case (awaiting in-person verification) once per declaration."""
        sealed = self.keys.events.open_json(event.data["sealed"], event.subject)
        now = self.clock()
        deadline = visit_deadline(vn_date(now), self.visit_window_days)
        declaration = sealed.get("declaration") or {}
        id_number = (declaration.get("id_document") or {}).get("number")
        # intake's view of the typed social-insurance number: registry match, active account.
        account = None
        if event.data.get("account_sealed"):
            account = self.keys.events.open_json(event.data["account_sealed"], event.subject)
        findings = [*event.data.get("sin_findings", []), *event.data.get("findings", [])]
        case = {
            "_id": event.subject,
            "agency_code": event.agency,
            "reference": event.data["reference"],
            "status": CaseStatus.AWAITING_VERIFICATION,
            "opened_at": now,
            "queue_key": queue_key(now, event.subject),
            "deadline": deadline.isoformat(),
            "agency": event.data.get("agency"),
            "send_email_copy": event.data.get("send_email_copy", False),
            "submitted_at": event.data.get("submitted_at"),
            "images": event.data.get("images", {}),
            "qr": event.data.get("qr"),
            "findings": findings,
            "account_active": bool(account and account.get("active")),
            "id_number_hash": self.keys.lookup(id_number) if id_number else None,
            # The photo bytes' hashes, to name other cases submitted with the same photos.
            "image_sha256": sorted(
                {ref["sha256"] for ref in (event.data.get("images") or {}).values()}
            ),
            "name_hash": name_hash(self.keys, declaration.get("full_name")),
            "sealed": self.keys.records.seal_json({**sealed, "account": account}, event.subject),
        }
        opened = self.status_event(Event.AWAITING_VERIFICATION, case, sealed["declaration"])
        if await self.cases.open(case, opened):
            self.relay.kick()
        elif is_reconciled(event):
            await self.reopen(event)

    async def reopen(self, scanned: CloudEvent) -> None:
        """A reconciler's `scanned` for a case already open: its `awaiting_verification` went
        missing downstream, so it is queued again (fresh id, consumers idempotent)."""
        case = await self.cases.collection.find_one(
            {"_id": scanned.subject, "status": CaseStatus.AWAITING_VERIFICATION}
        )
        if case is None:
            return  # decided since: the decision's event moves the declaration on
        declaration = self.open_sealed(case).get("declaration", {})
        event = marked(
            self.status_event(Event.AWAITING_VERIFICATION, case, declaration),
            int(scanned.data.get(MARK) or 1),
        )
        result = await self.cases.collection.update_one(
            {"_id": case["_id"], "status": CaseStatus.AWAITING_VERIFICATION},
            {"$push": {PENDING: pending(event)}},
        )
        if result.modified_count:
            self.relay.kick()

    async def on_delivery(self, event: CloudEvent) -> None:
        """Mail and SMS receipts join the case's history, so the clerk sees a failed delivery."""
        receipt = {
            "at": event.time,
            "event_id": event.id,
            "operator": None,
            "action": f"delivery:{event.data.get('kind')}",
            "status": event.data.get("status"),
            "error": event.data.get("error"),
        }
        await self.cases.delivered(event.subject, receipt)

    async def on_account_held(self, event: CloudEvent) -> None:
        """intake verified but left an existing account's password alone: the case says so."""
        entry = {
            "at": event.time,
            "event_id": event.id,
            "operator": None,
            "action": "account:held",
            "reason": event.data.get("reason"),
        }
        await self.cases.audit(event.subject, entry, entry_id=event.id)
        await self.cases.mark_account_held(event.subject, event.data.get("reason"))

    def status_event(
        self, event: Event, case: Doc, payload: dict[str, Any], **extra: Any
    ) -> CloudEvent:
        # Only what changed: the notifier kept the recipient from `submitted`; a decision's
        # note (free text by staff, maybe personal) travels sealed.
        note = {"note": payload["note"]} if "note" in payload else None
        data = StatusChanged.model_validate(
            {
                "reference": case["reference"],
                "deadline": case["deadline"],
                "sealed": self.keys.events.seal_json(note, case["_id"]) if note else None,
                **extra,
            }
        )
        return new_event(
            event,
            source=SOURCE,
            declaration_id=case["_id"],
            agency_code=case["agency_code"],
            data=data,
            clock=self.clock,
        )

    async def load(self, op: Operator, case_id: str, *, action: str = "read") -> Doc:
        case = await self.cases.get(case_id, op.agency_code)
        if case is None:
            raise CaseNotFoundError
        await self.cases.audit(case_id, self.audit_entry(op, action))
        return case

    async def find_by_reference(self, op: Operator, reference: str) -> Doc:
        case = await self.cases.by_reference(reference.strip().upper(), op.agency_code)
        if case is None:
            raise CaseNotFoundError
        return await self.load(op, case["_id"])

    def audit_entry(self, op: Operator, action: str, **details: Any) -> Doc:
        return {
            "at": self.clock(),
            "operator_id": op.id,
            "operator": op.name,
            "from": op.client,
            "action": action,
            **details,
        }

    def open_sealed(self, case: Doc) -> dict[str, Any]:
        opened: dict[str, Any] = self.keys.records.open_json(case["sealed"], case["_id"])
        return opened

    async def decide(
        self,
        op: Operator,
        case_id: str,
        status: CaseStatus,
        note: str | None,
        *,
        reissue_password: bool = False,
    ) -> Doc:
        case = await self.load(op, case_id, action="open-for-decision")
        if (
            status == CaseStatus.VERIFIED
            and case.get("account_active")
            and not reissue_password
            and case["status"] in DECIDABLE
        ):
            # Verifying would re-key someone's active account: only an explicit re-issue may.
            await self.cases.audit(case_id, self.audit_entry(op, "verify-refused:account_active"))
            raise AccountActiveError
        declaration = self.open_sealed(case).get("declaration", {})
        contact = {k: declaration.get(k) for k in ("full_name", "email", "social_insurance_number")}
        event_name = Event.VERIFIED if status == CaseStatus.VERIFIED else Event.REJECTED
        extra = {"reissue_password": True} if reissue_password else {}
        event = self.status_event(event_name, case, {**contact, "note": note}, **extra)
        if not await self.cases.decide(case_id, op.agency_code, status, event):
            raise CaseConflictError
        # After the decision, once (keyed by case): the trail never shows a decision not taken.
        entry = self.audit_entry(op, status.value, note=note, **extra)
        await self.cases.audit(case_id, entry, entry_id=f"{case_id}:decision")
        self.relay.kick()
        fresh = await self.cases.get(case_id, op.agency_code)
        assert fresh is not None
        return fresh

    async def verify(
        self, op: Operator, case_id: str, note: str | None, *, reissue_password: bool = False
    ) -> Doc:
        return await self.decide(
            op, case_id, CaseStatus.VERIFIED, note, reissue_password=reissue_password
        )

    async def reject(self, op: Operator, case_id: str, reason: str | None) -> Doc:
        if not reason or not reason.strip():
            raise ReasonRequiredError
        return await self.decide(op, case_id, CaseStatus.REJECTED, reason.strip())

    async def image(self, op: Operator, case_id: str, kind: str) -> tuple[bytes, str]:
        case = await self.load(op, case_id, action=f"image:{kind}")
        ref = case.get("images", {}).get(kind)
        if not ref:
            raise CaseNotFoundError
        try:
            data = await self.vault.get(ref["file_id"], case_id, kind)
        except ImageNotFoundError as exc:
            raise ImagesPurgedError from exc
        return data, ref["content_type"]
