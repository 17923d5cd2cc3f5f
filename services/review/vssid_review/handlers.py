"""review's use cases: `verb_object(command, *, deps)`, given ports, never drivers.

Open a case on `scanned`, show it to its agency's staff, verify or reject it; record delivery
receipts and held accounts; sweep deadlines (reminders, expiry, photo retention) and re-send
what got stuck. Every write is a conditional update in `Cases`, safe with replicas.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from vssid_review.domain.cases import (
    CONTACT_FIELDS,
    DECIDABLE,
    PURGEABLE,
    CaseStatus,
    Operator,
    QueuePage,
    name_hash,
    queue_key,
    visit_deadline,
)
from vssid_review.domain.errors import (
    AccountActiveError,
    CaseConflictError,
    CaseNotFoundError,
    ImagesPurgedError,
    ReasonRequiredError,
)
from vssid_review.domain.paging import search_hashes
from vssid_review.ports import Deps, StuckKind, SweepPolicy
from vssid_shared import reconcile
from vssid_shared.clock import vn_date
from vssid_shared.contracts import AccountHeld, DeliveryReceipt, Envelope, Scanned, StatusChanged
from vssid_shared.doc import Doc
from vssid_shared.envelope import CloudEvent, new_event
from vssid_shared.storage_errors import ImageNotFoundError
from vssid_shared.subjects import Event

SOURCE = "vssid/review"
log = logging.getLogger(__name__)


# --- commands ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadCase:
    operator: Operator
    case_id: str
    action: str = "read"


@dataclass(frozen=True)
class FindCase:
    operator: Operator
    reference: str


@dataclass(frozen=True)
class ListCases:
    operator: Operator
    status: str | None
    q: str
    limit: int
    after: str | None


@dataclass(frozen=True)
class VerifyCase:
    operator: Operator
    case_id: str
    note: str | None
    reissue_password: bool = False


@dataclass(frozen=True)
class RejectCase:
    operator: Operator
    case_id: str
    reason: str | None


@dataclass(frozen=True)
class ReadCaseImage:
    operator: Operator
    case_id: str
    kind: str


class Swept(NamedTuple):
    """What one pass claimed: reminders queued, cases expired, cases whose images were purged."""

    reminded: int
    expired: int
    purged: int


# --- events from other services ---------------------------------------------------------------


async def open_case(event: Envelope[Scanned], *, deps: Deps) -> None:
    """`scanned`: open the case (awaiting in-person verification) once per declaration."""
    keys = deps.keys
    data = event.data
    wire = data.model_dump(mode="json")  # stored as it travels
    sealed = keys.events.open_json(data.sealed, event.subject)
    now = deps.clock()
    deadline = visit_deadline(vn_date(now), deps.visit_window_days)
    declaration = sealed.get("declaration") or {}
    id_number = (declaration.get("id_document") or {}).get("number")
    # intake's view of the typed social-insurance number: registry match, active account.
    account = None
    if data.account_sealed:
        account = keys.events.open_json(data.account_sealed, event.subject)
    findings = [*wire["sin_findings"], *wire["findings"]]
    case = {
        "_id": event.subject,
        "agency_code": event.agency,
        "reference": data.reference,
        "status": CaseStatus.AWAITING_VERIFICATION,
        "opened_at": now,
        "queue_key": queue_key(now, event.subject),
        "deadline": deadline.isoformat(),
        "agency": wire["agency"],
        "send_email_copy": data.send_email_copy,
        "submitted_at": wire["submitted_at"],
        "images": wire["images"],
        "qr": wire["qr"],
        "findings": findings,
        "account_active": bool(account and account.get("active")),
        "id_number_hash": keys.lookup(id_number) if id_number else None,
        # The photo bytes' hashes, to name other cases submitted with the same photos.
        "image_sha256": sorted({ref.sha256 for ref in data.images.values()}),
        "name_hash": name_hash(keys, declaration.get("full_name")),
        "sealed": keys.records.seal_json({**sealed, "account": account}, event.subject),
    }
    opened = status_event(Event.AWAITING_VERIFICATION, case, sealed["declaration"], deps=deps)
    if await deps.cases.open(case, opened):
        deps.outbox.kick()
    elif data.reconciled:
        await _reopen(event, deps)


async def _reopen(scanned: Envelope[Scanned], deps: Deps) -> None:
    """A reconciler's `scanned` for a case already open: its `awaiting_verification` went
    missing downstream, so it is queued again (fresh id, consumers idempotent)."""
    case = await deps.cases.awaiting(scanned.subject)
    if case is None:
        return  # decided since: the decision's event moves the declaration on
    declaration = open_sealed(case, deps=deps).get("declaration", {})
    event = reconcile.marked(
        status_event(Event.AWAITING_VERIFICATION, case, declaration, deps=deps),
        scanned.data.reconciled or 1,
    )
    if await deps.cases.requeue(case["_id"], event):
        deps.outbox.kick()


async def record_delivery(event: Envelope[DeliveryReceipt], *, deps: Deps) -> None:
    """Mail and SMS receipts join the case's history, so the clerk sees a failed delivery."""
    receipt = {
        "at": event.time,
        "event_id": event.id,
        "operator": None,
        "action": f"delivery:{event.data.kind}",
        "status": event.data.status,
        "error": event.data.error,
    }
    await deps.cases.delivered(event.subject, receipt)


async def record_account_held(event: Envelope[AccountHeld], *, deps: Deps) -> None:
    """intake verified but left an existing account's password alone: the case says so."""
    entry = {
        "at": event.time,
        "event_id": event.id,
        "operator": None,
        "action": "account:held",
        "reason": event.data.reason,
    }
    await deps.cases.audit(event.subject, entry, entry_id=event.id)
    await deps.cases.mark_account_held(event.subject, event.data.reason)


def status_event(
    event: Event, case: Doc, payload: dict[str, Any], *, deps: Deps, **extra: Any
) -> CloudEvent:
    """A status event about a case: only what changed. The notifier kept the recipient from
    `submitted`; a decision's note (free text by staff, maybe personal) travels sealed."""
    note = {"note": payload["note"]} if "note" in payload else None
    data = StatusChanged.model_validate(
        {
            "reference": case["reference"],
            "deadline": case["deadline"],
            "sealed": deps.keys.events.seal_json(note, case["_id"]) if note else None,
            **extra,
        }
    )
    return new_event(
        event,
        source=SOURCE,
        declaration_id=case["_id"],
        agency_code=case["agency_code"],
        data=data,
        clock=deps.clock,
    )


def open_sealed(case: Doc, *, deps: Deps) -> dict[str, Any]:
    opened: dict[str, Any] = deps.keys.records.open_json(case["sealed"], case["_id"])
    return opened


def _contact(case: Doc, deps: Deps) -> dict[str, Any]:
    declaration = open_sealed(case, deps=deps).get("declaration", {})
    return {k: declaration.get(k) for k in CONTACT_FIELDS}


# --- staff reading cases ----------------------------------------------------------------------


def _audit_entry(op: Operator, action: str, deps: Deps, **details: Any) -> Doc:
    return {
        "at": deps.clock(),
        "operator_id": op.id,
        "operator": op.name,
        "from": op.client,
        "action": action,
        **details,
    }


async def read_case(command: ReadCase, *, deps: Deps) -> Doc:
    """One of the operator's agency's cases; every read is in its audit trail."""
    op = command.operator
    case = await deps.cases.get(command.case_id, op.agency_code)
    if case is None:
        raise CaseNotFoundError
    await deps.cases.audit(command.case_id, _audit_entry(op, command.action, deps))
    return case


async def find_case_by_reference(command: FindCase, *, deps: Deps) -> Doc:
    op = command.operator
    case = await deps.cases.by_reference(command.reference.strip().upper(), op.agency_code)
    if case is None:
        raise CaseNotFoundError
    return await read_case(ReadCase(op, case["_id"]), deps=deps)


async def list_cases(command: ListCases, *, deps: Deps) -> QueuePage:
    """One page of the agency's queue, oldest first; `q` a reference, a name or an ID number."""
    agency, text = command.operator.agency_code, command.q.strip()
    if not text:
        return await deps.cases.queue(
            agency, command.status, limit=command.limit, after=command.after
        )
    return await deps.cases.search(
        agency,
        command.status,
        reference=text.upper(),
        hashes=search_hashes(deps.keys, text),
        limit=command.limit,
        after=command.after,
    )


@dataclass(frozen=True)
class CaseDetail:
    case: Doc
    sealed: dict[str, Any]
    same_id_number: list[Doc]
    same_photos: list[Doc]
    history: list[Doc]


async def case_detail(case: Doc, *, deps: Deps) -> CaseDetail:
    """What the clerk is shown: the case opened, other cases with its ID number or its
    photos, and its history."""
    dups: list[Doc] = []
    if case.get("id_number_hash"):
        dups = await deps.cases.others_with_id_number(case["id_number_hash"], case["_id"])
    photos: list[Doc] = []
    if case.get("image_sha256"):
        photos = await deps.cases.others_with_images(case["image_sha256"], case["_id"])
    history = await deps.cases.history(case["_id"])
    return CaseDetail(case, open_sealed(case, deps=deps), dups, photos, history)


async def read_case_image(command: ReadCaseImage, *, deps: Deps) -> tuple[bytes, str]:
    op, case_id, kind = command.operator, command.case_id, command.kind
    case = await read_case(ReadCase(op, case_id, action=f"image:{kind}"), deps=deps)
    ref = case.get("images", {}).get(kind)
    if not ref:
        raise CaseNotFoundError
    try:
        data = await deps.images.get(ref["file_id"], case_id, kind)
    except ImageNotFoundError as exc:
        raise ImagesPurgedError from exc
    return data, ref["content_type"]


# --- decisions --------------------------------------------------------------------------------


async def _decide(
    op: Operator,
    case_id: str,
    status: CaseStatus,
    note: str | None,
    deps: Deps,
    *,
    reissue_password: bool = False,
) -> Doc:
    case = await read_case(ReadCase(op, case_id, action="open-for-decision"), deps=deps)
    if (
        status == CaseStatus.VERIFIED
        and case.get("account_active")
        and not reissue_password
        and case["status"] in DECIDABLE
    ):
        # Verifying would re-key someone's active account: only an explicit re-issue may.
        refused = _audit_entry(op, "verify-refused:account_active", deps)
        await deps.cases.audit(case_id, refused)
        raise AccountActiveError
    event_name = Event.VERIFIED if status == CaseStatus.VERIFIED else Event.REJECTED
    extra = {"reissue_password": True} if reissue_password else {}
    payload = {**_contact(case, deps), "note": note}
    event = status_event(event_name, case, payload, deps=deps, **extra)
    if not await deps.cases.decide(case_id, op.agency_code, status, event):
        raise CaseConflictError
    # After the decision, once (keyed by case): the trail never shows a decision not taken.
    entry = _audit_entry(op, status.value, deps, note=note, **extra)
    await deps.cases.audit(case_id, entry, entry_id=f"{case_id}:decision")
    deps.outbox.kick()
    fresh = await deps.cases.get(case_id, op.agency_code)
    assert fresh is not None
    return fresh


async def verify_case(command: VerifyCase, *, deps: Deps) -> Doc:
    return await _decide(
        command.operator,
        command.case_id,
        CaseStatus.VERIFIED,
        command.note,
        deps,
        reissue_password=command.reissue_password,
    )


async def reject_case(command: RejectCase, *, deps: Deps) -> Doc:
    reason = command.reason
    if not reason or not reason.strip():
        raise ReasonRequiredError
    return await _decide(
        command.operator, command.case_id, CaseStatus.REJECTED, reason.strip(), deps
    )


# --- the sweeper: deadlines as data -----------------------------------------------------------


async def sweep_deadlines(policy: SweepPolicy, *, deps: Deps) -> Swept:
    """One pass by Vietnam's calendar date; every step is a conditional update, so passes
    running side by side (replicas) claim each case once."""
    now = deps.clock()
    today = vn_date(now)
    reminded = await _remind(today, policy, deps)
    expired = await _expire(today, now, deps)
    # After expiry, so that with no retention an expired case's photos go in the same pass.
    purged = await _purge_images(now, policy, deps)
    if reminded or expired:
        deps.outbox.kick()
    return Swept(reminded, expired, purged)


async def _remind(today: date, policy: SweepPolicy, deps: Deps) -> int:
    last_reminder_day = (today + timedelta(days=policy.reminder_days_before)).isoformat()
    # A reminder for a deadline already past would arrive together with the expiry: skip it.
    due = await deps.cases.open_with_deadline(first=today.isoformat(), last=last_reminder_day)
    claimed = 0
    # Already-reminded cases are skipped here, not in the query: they are few (open cases
    # within days of their deadline) and a second condition would leave the index unused.
    for case in due:
        if case.get("reminded"):
            continue
        event = status_event(Event.EXPIRING, case, _contact(case, deps), deps=deps)
        claimed += await deps.cases.claim_reminder(case["_id"], event)
    return claimed


async def _expire(today: date, now: datetime, deps: Deps) -> int:
    claimed = 0
    for case in await deps.cases.open_with_deadline(first=None, last=today.isoformat()):
        event = status_event(Event.EXPIRED, case, _contact(case, deps), deps=deps)
        if await deps.cases.claim_expiry(case["_id"], event, now):
            entry = {"at": now, "action": "expired", "operator": None}
            await deps.cases.audit(case["_id"], entry, entry_id=f"{case['_id']}:expired")
            claimed += 1
    return claimed


async def _purge_images(now: datetime, policy: SweepPolicy, deps: Deps) -> int:
    """Deletes the photos of rejected and expired cases once their retention is over."""
    closed_before = now - timedelta(days=policy.image_retention_days)
    purged = 0
    for case in await deps.cases.photos_to_purge(closed_before):
        if case.get("status") not in PURGEABLE:
            continue
        # The image store belongs to intake, the only writer; deleting by id when retention
        # ends is the agreed exception. Delete before marking: a crash in between leaves the
        # case for the next pass, and deleting a file already gone is a no-op.
        for ref in (case.get("images") or {}).values():
            await deps.images.delete(ref["file_id"])
        if await deps.cases.mark_images_purged(case["_id"]):
            entry = {"at": now, "action": "images_purged", "operator": None}
            await deps.cases.audit(case["_id"], entry, entry_id=f"{case['_id']}:purged")
            purged += 1
    return purged


# --- the reconciler: cases whose next step never showed up in review's own data --------------

Builder = Callable[[Doc, Deps], Awaitable[CloudEvent | None]]


async def resend_stuck_cases(policy: SweepPolicy, *, deps: Deps) -> dict[str, int]:
    """Review sees, in each case's delivery history, the notifier's receipts: the evidence
    that its events were acted on. A case waiting for its declaration copy longer than the
    reconcile period gets `awaiting_verification` again; a verified case whose
    initial-password SMS never got a receipt gets `verified` again (intake activates once per
    declaration, the notifier sends once per key). How many cases got each event again."""
    now = deps.clock()
    counts = {
        Event.AWAITING_VERIFICATION.value: await _resend(
            "copy", "delivery:copy", _copy_event, now, policy, deps
        ),
        Event.VERIFIED.value: await _resend(
            "verified", "delivery:sms_password", _verified_event, now, policy, deps
        ),
    }
    for event, count in counts.items():
        if count:
            log.warning(
                "re-emitted events of stuck declarations", extra={"event": event, "count": count}
            )
    if any(counts.values()):
        deps.outbox.kick()
    return counts


async def _resend(
    kind: StuckKind,
    receipt: str,
    build: Builder,
    now: datetime,
    policy: SweepPolicy,
    deps: Deps,
) -> int:
    """Stuck cases with no `receipt` in their delivery history get `build`'s event again."""
    after, attempts = policy.reconcile_after_seconds, policy.reconcile_max_attempts
    claimed = 0
    for case in await deps.cases.stuck(kind, now, after, attempts):
        if await deps.cases.has_receipt(case["_id"], receipt):
            continue
        event = await build(case, deps)
        if event is None:
            continue
        marked = reconcile.marked(event, reconcile.attempt(case))
        if await deps.cases.claim_resend(kind, case["_id"], marked, now, after, attempts):
            log.info(
                "case stuck; sending its event again",
                extra={"declaration_id": case["_id"], "event": event.event.value},
            )
            claimed += 1
    return claimed


async def _copy_event(case: Doc, deps: Deps) -> CloudEvent | None:
    declaration = open_sealed(case, deps=deps).get("declaration", {})
    if not declaration.get("email"):
        return None  # no address: no copy will ever be mailed, nothing is stuck
    return status_event(Event.AWAITING_VERIFICATION, case, declaration, deps=deps)


async def _verified_event(case: Doc, deps: Deps) -> CloudEvent:
    decision = await deps.cases.decision(case["_id"])
    note = decision.get("note") if decision else None
    extra = {"reissue_password": True} if decision and decision.get("reissue_password") else {}
    payload = {**_contact(case, deps), "note": note}
    return status_event(Event.VERIFIED, case, payload, deps=deps, **extra)


async def sweep_and_reconcile(policy: SweepPolicy, *, deps: Deps) -> None:
    """The sweeper's pass: deadlines, then the reconciler; a failure of one spares the other."""
    try:
        await sweep_deadlines(policy, deps=deps)
    except Exception:
        log.exception("deadline sweep failed; next pass retries")
    try:
        await resend_stuck_cases(policy, deps=deps)
    except Exception:
        log.exception("reconcile pass failed; next pass retries")
