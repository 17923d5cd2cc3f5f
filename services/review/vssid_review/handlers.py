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
    DECIDABLE,
    PURGEABLE,
    CaseStatus,
    Operator,
    QueuePage,
    due_key,
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
from vssid_review.ports import CASES, Deps, StuckKind, SweepPolicy
from vssid_shared import metrics, reconcile
from vssid_shared.clock import vn_date
from vssid_shared.contracts import (
    AccountHeld,
    DeliveryReceipt,
    Envelope,
    Scanned,
    StatusChanged,
    Withdrawn,
)
from vssid_shared.data_keys import DataKeyDestroyedError, destroy_key, load_key
from vssid_shared.doc import Doc
from vssid_shared.envelope import CloudEvent, new_event
from vssid_shared.retention import Retention, cutoff, is_due
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
    with_findings: bool = False  # only cases with at least one finding
    due_within: int | None = None  # only open cases due within this many days (Vietnam)


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
        # The queue's filters (`with_findings`, `due_within`) each read one index.
        "warned": bool(findings),
        "due_key": due_key(deadline.isoformat(), queue_key(now, event.subject)),
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
        deps.outbox.kick_first(CASES, case["_id"], [opened])
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
            **_copy_wish(event, case),
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


def _copy_wish(event: Event, case: Doc) -> dict[str, bool]:
    """`awaiting_verification` says whether a copy was asked for (a flag, nothing personal):
    the notifier reads the kept recipient only for the declarations that asked (issue 13).
    A case from before the flag was kept says nothing, and the notifier reads as before."""
    wish = case.get("send_email_copy")
    if event != Event.AWAITING_VERIFICATION or not isinstance(wish, bool):
        return {}
    return {"send_email_copy": wish}


def open_sealed(case: Doc, *, deps: Deps) -> dict[str, Any]:
    """The case's sealed part; its data key loaded first (`load_key`, or `settle`'s preload
    for a subscriber): the sweeper and the reconciler load it per case."""
    if not case.get("sealed"):
        return {"shredded": True}
    try:
        opened: dict[str, Any] = deps.keys.records.open_json(case["sealed"], case["_id"])
    except DataKeyDestroyedError:
        return {"shredded": True}  # withdrawn or past retention: no personal data left
    return opened


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
    await load_key(deps.keys, command.case_id)
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
    due_by = None
    if command.due_within is not None:
        due_by = vn_date(deps.clock()) + timedelta(days=command.due_within)
    if not text:
        return await deps.cases.queue(
            agency,
            command.status,
            limit=command.limit,
            after=command.after,
            with_findings=command.with_findings,
            due_by=due_by,
        )
    return await deps.cases.search(
        agency,
        command.status,
        reference=text.upper(),
        hashes=search_hashes(deps.keys, text),
        limit=command.limit,
        after=command.after,
        with_findings=command.with_findings,
        due_by=due_by,
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
    event = status_event(event_name, case, {"note": note}, deps=deps, **extra)
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
    reminded = await _remind(today, now, policy, deps)
    expired = await _expire(today, now, deps)
    # After expiry, so that with no retention an expired case's photos go in the same pass.
    purged = await _purge_images(now, policy, deps)
    if policy.retention is not None:
        await enforce_retention(policy.retention, now, deps=deps)
    if reminded or expired:
        deps.outbox.kick()
    return Swept(reminded, expired, purged)


async def _remind(today: date, now: datetime, policy: SweepPolicy, deps: Deps) -> int:
    last_reminder_day = (today + timedelta(days=policy.reminder_days_before)).isoformat()
    # A reminder for a deadline already past would arrive together with the expiry: skip it.
    due = await deps.cases.open_with_deadline(first=today.isoformat(), last=last_reminder_day)
    claimed = 0
    # Already-reminded cases are skipped here, not in the query: they are few (open cases
    # within days of their deadline) and a second condition would leave the index unused.
    for case in due:
        if case.get("reminded"):
            continue
        # Nothing sealed to open: the notifier kept the recipient from `submitted`.
        event = status_event(Event.EXPIRING, case, {}, deps=deps)
        claimed += await deps.cases.claim_reminder(case["_id"], event, now)
    return claimed


async def _expire(today: date, now: datetime, deps: Deps) -> int:
    claimed = 0
    for case in await deps.cases.open_with_deadline(first=None, last=today.isoformat()):
        event = status_event(Event.EXPIRED, case, {}, deps=deps)
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
Receipts = Callable[[Doc, Deps], Awaitable[list[str]]]


@dataclass(frozen=True)
class Check:
    """Cases of `kind` (the adapter's query, plus the stuck filter) lacking one of
    `receipts(case)` get `build(case)` again."""

    event: Event
    kind: StuckKind
    receipts: Receipts
    build: Builder


async def resend_stuck_cases(policy: SweepPolicy, *, deps: Deps) -> dict[str, int]:
    """Review sees, in each case's delivery history, the notifier's receipts (`copy_mailed`,
    `notified`): the evidence that its events were acted on. A case older than the reconcile
    period that is missing a receipt it should have gets the event that causes it again:

    - waiting for verification, the copy asked for: `awaiting_verification` (the copy mail);
    - reminded of its deadline, with an e-mail: `expiring` (the reminder mail);
    - verified: `verified`, when the initial-password SMS or (with an e-mail) the verified
      mail has no receipt. intake activates the account once per declaration and, for a
      re-emitted `verified`, queues its stored `account_activated` again (a lost one is
      healed too); the notifier sends once per key;
    - rejected or expired, with an e-mail: `rejected` / `expired` (the status mail).

    Consumers are idempotent: one that already acted re-queues its receipt instead of acting
    twice. How many cases got each event again."""
    now = deps.clock()
    counts = {check.event.value: await _resend(check, now, policy, deps) for check in CHECKS}
    for event, count in counts.items():
        if count:
            log.warning(
                "re-emitted events of stuck declarations", extra={"event": event, "count": count}
            )
    if any(counts.values()):
        deps.outbox.kick()
    return counts


async def _resend(check: Check, now: datetime, policy: SweepPolicy, deps: Deps) -> int:
    after, attempts = policy.reconcile_after_seconds, policy.reconcile_max_attempts
    claimed = 0
    for case in await deps.cases.stuck(check.kind, now, after, attempts):
        # The receipts owed depend on the sealed declaration (its e-mail), and a decision's
        # note is sealed again: under the data key, loaded first (never the service key).
        await load_key(deps.keys, case["_id"])
        if not await _missing_receipt(case, await check.receipts(case, deps), deps):
            continue
        event = await check.build(case, deps)
        if event is None:
            continue
        marked = reconcile.marked(event, reconcile.attempt(case))
        if await deps.cases.claim_resend(check.kind, case["_id"], marked, now, after, attempts):
            log.info(
                "case stuck; sending its event again",
                extra={"declaration_id": case["_id"], "event": event.event.value},
            )
            claimed += 1
    return claimed


async def _missing_receipt(case: Doc, receipts: list[str], deps: Deps) -> bool:
    for receipt in receipts:
        if not await deps.cases.has_receipt(case["_id"], receipt):
            return True
    return False


def _declaration(case: Doc, deps: Deps) -> dict[str, Any]:
    found: dict[str, Any] = open_sealed(case, deps=deps).get("declaration", {})
    return found


async def _copy_receipts(case: Doc, deps: Deps) -> list[str]:
    return ["delivery:copy"]


def _owed_mail(kind: str) -> Receipts:
    """A status mail is owed only to a declaration with an e-mail address."""

    async def receipts(case: Doc, deps: Deps) -> list[str]:
        return [f"delivery:{kind}"] if _declaration(case, deps).get("email") else []

    return receipts


async def _verified_receipts(case: Doc, deps: Deps) -> list[str]:
    decision = await deps.cases.decision(case["_id"])
    # A re-issue's news goes to the owner (notifier's `mail_reissued`), not as `verified`.
    reissued = bool(decision and decision.get("reissue_password"))
    mail = [] if reissued else await _owed_mail("verified")(case, deps)
    return ["delivery:sms_password", *mail]


async def _copy_event(case: Doc, deps: Deps) -> CloudEvent | None:
    declaration = _declaration(case, deps)
    if not declaration.get("email"):
        return None  # no address: no copy will ever be mailed, nothing is stuck
    return status_event(Event.AWAITING_VERIFICATION, case, declaration, deps=deps)


def _status_event_again(event: Event) -> Builder:
    """`expiring` / `expired` as the sweeper builds them (no note, nothing sealed)."""

    async def build(case: Doc, deps: Deps) -> CloudEvent:
        return status_event(event, case, {}, deps=deps)

    return build


def _decision_event(event: Event) -> Builder:
    """`verified` / `rejected` as `_decide` builds them, note and re-issue included."""

    async def build(case: Doc, deps: Deps) -> CloudEvent:
        decision = await deps.cases.decision(case["_id"])
        note = decision.get("note") if decision else None
        extra = {"reissue_password": True} if decision and decision.get("reissue_password") else {}
        return status_event(event, case, {"note": note}, deps=deps, **extra)

    return build


CHECKS = (
    Check(Event.AWAITING_VERIFICATION, "copy", _copy_receipts, _copy_event),
    Check(Event.EXPIRING, "expiring", _owed_mail("expiring"), _status_event_again(Event.EXPIRING)),
    Check(Event.VERIFIED, "verified", _verified_receipts, _decision_event(Event.VERIFIED)),
    Check(Event.REJECTED, "rejected", _owed_mail("rejected"), _decision_event(Event.REJECTED)),
    Check(Event.EXPIRED, "expired", _owed_mail("expired"), _status_event_again(Event.EXPIRED)),
)


# --- the applicant's withdrawal and retention -------------------------------------------------

WITHDRAWN_REASON = (
    "Người nộp hồ sơ đã rút lại hồ sơ trên ứng dụng; dữ liệu cá nhân đã bị xóa theo yêu cầu "
    "(Luật Bảo vệ dữ liệu cá nhân 91/2025/QH15)."
)
CLOSED = (CaseStatus.VERIFIED, CaseStatus.REJECTED, CaseStatus.EXPIRED, CaseStatus.WITHDRAWN)


async def withdraw_case(event: Envelope[Withdrawn], *, deps: Deps) -> None:
    """`withdrawn`: the case leaves the queue and its history says why (the personal data is
    already unreadable: intake destroyed the data key). Once per case whatever the
    redelivery count; a decided case is left as decided."""
    if await deps.cases.withdraw(event.subject, event.time):
        entry = {
            "at": event.time,
            "event_id": event.id,
            "operator": None,
            "action": "withdrawn",
            "reason": WITHDRAWN_REASON,
        }
        await deps.cases.audit(event.subject, entry, entry_id=f"{event.subject}:withdrawn")


async def shred_due_cases(retention: Retention, now: datetime, *, deps: Deps) -> int:
    """Retention end for closed cases: the data key is destroyed (every copy, stream history
    included, becomes unreadable) and the case keeps only what the audit needs. Conditional
    updates, so replicas side by side shred each case once."""
    shredded = 0
    for status in CLOSED:
        days = retention.days_after(status.value) or 0
        # A coarse bound the index can serve; `is_due` then decides by Vietnam dates.
        bound = now - timedelta(days=max(days - 1, 0))
        for case in await deps.cases.closed_unshredded(status, bound):
            if not is_due(case["decided_at"], days, now):
                continue
            await destroy_key(deps.keys, case["_id"], f"retention:{status.value}", now)
            if await deps.cases.mark_shredded(case["_id"], now):
                entry = {"at": now, "action": "shredded", "operator": None, "status": status}
                await deps.cases.audit(case["_id"], entry, entry_id=f"{case['_id']}:shredded")
                shredded += 1
    return shredded


async def expire_records(retention: Retention, now: datetime, *, deps: Deps) -> int:
    """The audit trail and delivery receipts (no personal data in them) past their rows."""
    return await deps.cases.expire_records(
        cutoff(retention.audit_days, now), cutoff(retention.deliveries_days, now)
    )


async def enforce_retention(retention: Retention, now: datetime, *, deps: Deps) -> int:
    """One sweeper pass of review's rows of the retention table."""
    shredded = await shred_due_cases(retention, now, deps=deps)
    return shredded + await expire_records(retention, now, deps=deps)


async def sweep_and_reconcile(policy: SweepPolicy, *, deps: Deps) -> None:
    """The sweeper's pass: deadlines, then the reconciler; a failure of one spares the other."""
    try:
        metrics.swept(*await sweep_deadlines(policy, deps=deps))
    except Exception:
        log.exception("deadline sweep failed; next pass retries")
    try:
        metrics.reconciled(await resend_stuck_cases(policy, deps=deps))
    except Exception:
        log.exception("reconcile pass failed; next pass retries")
