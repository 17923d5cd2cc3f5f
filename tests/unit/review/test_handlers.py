"""review's use cases on the in-memory ports of `tests/fakes.py`: no MongoDB, no NATS."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.fakes import KEYS, FakeCases, FakeImages, FakeOperators, FakeOutbox, FrozenClock
from vssid_review import handlers
from vssid_review.bootstrap import bootstrap
from vssid_review.domain.cases import Operator
from vssid_review.domain.errors import (
    AccountActiveError,
    CaseConflictError,
    CaseNotFoundError,
    ImagesPurgedError,
    ReasonRequiredError,
)
from vssid_review.ports import Deps, SweepPolicy
from vssid_review.settings import ReviewSettings
from vssid_shared.contracts import (
    AccountHeld,
    DeliveryReceipt,
    Envelope,
    Scanned,
    Withdrawn,
    typed,
)
from vssid_shared.envelope import new_event
from vssid_shared.reconcile import MARK
from vssid_shared.retention import Retention
from vssid_shared.subjects import Event

AGENCY = "4802"
CLERK = Operator("op-1", "Nguyễn Văn B", AGENCY, client="10.0.0.9")
STRANGER = Operator("op-2", "Lê Thị C", "0101")
# 23:59 on 1 March in Vietnam: the visit deadline counts Vietnam's days.
OPENED = datetime(2026, 3, 1, 16, 59, tzinfo=UTC)
POLICY = SweepPolicy(5, 60.0, 0, 900.0, 3)
NOTHING_ELSE = {"expiring": 0, "rejected": 0, "expired": 0}


def make_deps(now: datetime = OPENED) -> Deps:
    return Deps(
        cases=FakeCases(),
        images=FakeImages(),
        outbox=FakeOutbox(),
        keys=KEYS,
        clock=FrozenClock(now),
        visit_window_days=30,
    )


@pytest.fixture
def deps() -> Deps:
    return make_deps()


def parts(deps: Deps) -> tuple[FakeCases, FakeImages, FakeOutbox, FrozenClock]:
    cases, images, outbox, clock = deps.cases, deps.images, deps.outbox, deps.clock
    assert isinstance(cases, FakeCases)
    assert isinstance(images, FakeImages)
    assert isinstance(outbox, FakeOutbox)
    assert isinstance(clock, FrozenClock)
    return cases, images, outbox, clock


def scanned(case_id: str, **data: Any) -> Envelope[Scanned]:
    declaration = {
        "full_name": "Nguyễn Văn Bảo",
        "email": "bao@example.com",
        "social_insurance_number": "4890012345",
        "id_document": {"number": "048090900101"},
    }
    sealed: dict[str, Any] = {"card": None, "discrepancies": [], "declaration": declaration}
    body: dict[str, Any] = {
        "reference": f"{AGENCY}-{case_id[:6].upper()}",
        "agency": {"code": AGENCY, "name": "BHXH quận Thanh Khê"},
        "send_email_copy": True,
        "images": {},
        "qr": {"found": True},
        "findings": [{"code": "image_blurry", "severity": "warning", "message": "Ảnh mờ."}],
        "sin_findings": [],
        "sealed": KEYS.events.seal_json(sealed, case_id),
        **data,
    }
    event = new_event(
        Event.SCANNED,
        source="tests",
        declaration_id=case_id,
        agency_code=AGENCY,
        data=body,
        clock=FrozenClock(OPENED),
    )
    return typed(event, Scanned)


async def opened(deps: Deps, photo: bytes | None = None, **data: Any) -> str:
    case_id = str(uuid.uuid4())
    if photo is not None:
        file_id = await deps.images.put(case_id, "portrait", photo, {})
        data["images"] = {
            "portrait": {"file_id": file_id, "sha256": "ab" * 32, "content_type": "image/jpeg"}
        }
    await handlers.open_case(scanned(case_id, **data), deps=deps)
    return case_id


def receipt(case_id: str, kind: str, status: str = "sent") -> Envelope[DeliveryReceipt]:
    return typed(
        new_event(
            Event.NOTIFIED,
            source="tests",
            declaration_id=case_id,
            agency_code=AGENCY,
            data={"kind": kind, "status": status},
            clock=FrozenClock(OPENED),
        ),
        DeliveryReceipt,
    )


# --- events from other services -----------------------------------------------------------------


async def test_open_case_once_with_its_deadline_and_awaiting_verification(deps: Deps) -> None:
    cases, _, outbox, _ = parts(deps)
    case_id = await opened(deps)
    await handlers.open_case(scanned(case_id), deps=deps)  # redelivered: nothing new
    case = cases.docs[case_id]
    assert case["status"] == "awaiting_verification"
    assert case["deadline"] == "2026-03-31"  # 1 March (Vietnam) + 30 days
    assert case["id_number_hash"] == KEYS.lookup("048090900101")
    assert "Nguyễn" not in str({k: v for k, v in case.items() if k != "pending"})
    [event] = cases.pending(case_id)
    assert event.event == Event.AWAITING_VERIFICATION
    assert event.data.get("sealed") is None  # only what changed: the notifier kept the recipient
    assert outbox.kicks == 1


async def test_a_reconciled_scanned_requeues_an_open_case_only(deps: Deps) -> None:
    cases, _, _, _ = parts(deps)
    case_id = await opened(deps)
    cases.relay(case_id)
    await handlers.open_case(scanned(case_id, **{MARK: 2}), deps=deps)
    [again] = cases.relay(case_id)
    assert (again.event, again.data[MARK]) == (Event.AWAITING_VERIFICATION, 2)
    await handlers.reject_case(handlers.RejectCase(CLERK, case_id, "ảnh mờ"), deps=deps)
    cases.relay(case_id)
    await handlers.open_case(scanned(case_id, **{MARK: 3}), deps=deps)
    assert cases.relay(case_id) == []  # decided since: nothing to re-send


async def test_record_delivery_once_per_event(deps: Deps) -> None:
    case_id = await opened(deps)
    failed = receipt(case_id, "sms_password", "failed")
    for _ in range(2):
        await handlers.record_delivery(failed, deps=deps)
    history = await deps.cases.history(case_id)
    assert [(e["action"], e["status"]) for e in history] == [("delivery:sms_password", "failed")]


async def test_record_account_held_marks_the_case(deps: Deps) -> None:
    cases, _, _, _ = parts(deps)
    case_id = await opened(deps)
    held = typed(
        new_event(
            Event.ACCOUNT_HELD,
            source="vssid/intake",
            declaration_id=case_id,
            agency_code=AGENCY,
            data={"reason": "account_active"},
            clock=FrozenClock(OPENED),
        ),
        AccountHeld,
    )
    for _ in range(2):
        await handlers.record_account_held(held, deps=deps)
    assert cases.docs[case_id]["account_held"] == "account_active"
    actions = [e["action"] for e in await deps.cases.history(case_id)]
    assert actions == ["account:held"]


# --- staff reading cases ------------------------------------------------------------------------


async def test_read_case_is_audited_and_hidden_from_other_agencies(deps: Deps) -> None:
    case_id = await opened(deps)
    case = await handlers.read_case(handlers.ReadCase(CLERK, case_id), deps=deps)
    assert case["_id"] == case_id
    [entry] = await deps.cases.history(case_id)
    assert (entry["action"], entry["operator_id"], entry["from"]) == ("read", "op-1", "10.0.0.9")
    with pytest.raises(CaseNotFoundError):
        await handlers.read_case(handlers.ReadCase(STRANGER, case_id), deps=deps)


async def test_find_case_by_reference_as_typed(deps: Deps) -> None:
    case_id = await opened(deps)
    reference = f" {AGENCY}-{case_id[:6].lower()} "
    found = await handlers.find_case_by_reference(handlers.FindCase(CLERK, reference), deps=deps)
    assert found["_id"] == case_id
    with pytest.raises(CaseNotFoundError):
        await handlers.find_case_by_reference(handlers.FindCase(STRANGER, reference), deps=deps)


async def test_list_cases_pages_the_queue_and_searches_by_name_hash(deps: Deps) -> None:
    _, _, _, clock = parts(deps)
    ids = []
    for n in range(3):
        clock.now = OPENED + timedelta(minutes=n)
        ids.append(await opened(deps))
    first = await handlers.list_cases(handlers.ListCases(CLERK, None, "", 2, None), deps=deps)
    assert [c["_id"] for c in first.items] == ids[:2]
    assert first.total == 3
    rest = handlers.ListCases(CLERK, None, "", 2, first.next_key)
    assert [c["_id"] for c in (await handlers.list_cases(rest, deps=deps)).items] == ids[2:]
    by_name = handlers.ListCases(CLERK, "awaiting_verification", "nguyen van BAO", 10, None)
    assert (await handlers.list_cases(by_name, deps=deps)).total == 3
    nobody = handlers.ListCases(CLERK, None, "Trần Thị Mai", 10, None)
    assert (await handlers.list_cases(nobody, deps=deps)).items == []


async def test_case_detail_names_other_cases_with_the_same_id_number(deps: Deps) -> None:
    first = await opened(deps)
    second = await opened(deps)
    case = await handlers.read_case(handlers.ReadCase(CLERK, second), deps=deps)
    detail = await handlers.case_detail(case, deps=deps)
    assert [d["_id"] for d in detail.same_id_number] == [first]
    assert detail.sealed["declaration"]["full_name"] == "Nguyễn Văn Bảo"
    assert [e["action"] for e in detail.history] == ["read"]


async def test_read_case_image_until_its_retention_ends(deps: Deps) -> None:
    _, images, _, _ = parts(deps)
    case_id = await opened(deps, photo=b"jpeg-bytes")
    command = handlers.ReadCaseImage(CLERK, case_id, "portrait")
    assert await handlers.read_case_image(command, deps=deps) == (b"jpeg-bytes", "image/jpeg")
    with pytest.raises(CaseNotFoundError):
        await handlers.read_case_image(handlers.ReadCaseImage(CLERK, case_id, "id_back"), deps=deps)
    images.files.clear()
    with pytest.raises(ImagesPurgedError):
        await handlers.read_case_image(command, deps=deps)


# --- decisions ----------------------------------------------------------------------------------


async def test_verify_case_once_then_conflict(deps: Deps) -> None:
    cases, _, _, _ = parts(deps)
    case_id = await opened(deps)
    cases.relay(case_id)
    verify = handlers.VerifyCase(CLERK, case_id, "đúng người")
    case = await handlers.verify_case(verify, deps=deps)
    assert case["status"] == "verified"
    [event] = cases.relay(case_id)
    assert event.event == Event.VERIFIED
    payload = KEYS.events.open_json(event.data["sealed"], case_id)
    assert payload == {"note": "đúng người"}  # only the decision's note, sealed
    with pytest.raises(CaseConflictError):
        await handlers.verify_case(verify, deps=deps)
    decisions = [e for e in await deps.cases.history(case_id) if e["action"] == "verified"]
    assert len(decisions) == 1


async def test_verify_case_of_an_active_account_only_by_reissue(deps: Deps) -> None:
    cases, _, _, _ = parts(deps)
    case_id = str(uuid.uuid4())
    sealed_account = KEYS.events.seal_json({"active": True, "since": "2025-01-01"}, case_id)
    await handlers.open_case(scanned(case_id, account_sealed=sealed_account), deps=deps)
    with pytest.raises(AccountActiveError):
        await handlers.verify_case(handlers.VerifyCase(CLERK, case_id, None), deps=deps)
    actions = [e["action"] for e in await deps.cases.history(case_id)]
    assert "verify-refused:account_active" in actions
    reissue = handlers.VerifyCase(CLERK, case_id, None, reissue_password=True)
    await handlers.verify_case(reissue, deps=deps)
    assert cases.pending(case_id)[-1].data["reissue_password"] is True


async def test_reject_case_needs_a_reason(deps: Deps) -> None:
    cases, _, _, _ = parts(deps)
    case_id = await opened(deps)
    for reason in (None, "   "):
        with pytest.raises(ReasonRequiredError):
            await handlers.reject_case(handlers.RejectCase(CLERK, case_id, reason), deps=deps)
    case = await handlers.reject_case(handlers.RejectCase(CLERK, case_id, " ảnh mờ "), deps=deps)
    assert case["status"] == "rejected"
    assert cases.docs[case_id]["purge_from"] == case["decided_at"]
    note = KEYS.events.open_json(cases.pending(case_id)[-1].data["sealed"], case_id)["note"]
    assert note == "ảnh mờ"


# --- the sweeper and the reconciler -------------------------------------------------------------


async def test_sweep_deadlines_reminds_expires_and_purges_once(deps: Deps) -> None:
    cases, images, _, clock = parts(deps)
    case_id = await opened(deps, photo=b"jpeg-bytes")
    clock.now = datetime(2026, 3, 25, 16, 59, tzinfo=UTC)  # 23:59 on 25 March: 6 days left
    assert await handlers.sweep_deadlines(POLICY, deps=deps) == (0, 0, 0)
    clock.now = datetime(2026, 3, 25, 17, 0, tzinfo=UTC)  # 26 March in Vietnam
    assert await handlers.sweep_deadlines(POLICY, deps=deps) == (1, 0, 0)
    assert await handlers.sweep_deadlines(POLICY, deps=deps) == (0, 0, 0)
    clock.now = datetime(2026, 3, 31, 17, 0, tzinfo=UTC)  # 1 April: past the deadline
    assert await handlers.sweep_deadlines(POLICY, deps=deps) == (0, 1, 1)
    assert await handlers.sweep_deadlines(POLICY, deps=deps) == (0, 0, 0)
    events = [e.event for e in cases.pending(case_id)]
    assert events == [Event.AWAITING_VERIFICATION, Event.EXPIRING, Event.EXPIRED]
    assert images.files == {}
    actions = [e["action"] for e in await deps.cases.history(case_id)]
    assert actions == ["expired", "images_purged"]


async def test_sweep_deadlines_keeps_a_rejected_cases_photos_for_the_retention() -> None:
    deps = make_deps()  # decisions are stamped by the injected clock
    _, images, _, clock = parts(deps)
    start = clock.now
    case_id = await opened(deps, photo=b"jpeg-bytes")
    await handlers.reject_case(handlers.RejectCase(CLERK, case_id, "ảnh mờ"), deps=deps)
    kept = SweepPolicy(5, 60.0, 7, 900.0, 3)
    clock.now = start + timedelta(days=7, minutes=-1)
    assert await handlers.sweep_deadlines(kept, deps=deps) == (0, 0, 0)
    assert images.files
    clock.now = start + timedelta(days=7, minutes=1)
    assert await handlers.sweep_deadlines(kept, deps=deps) == (0, 0, 1)
    assert images.files == {}


async def test_resend_stuck_cases_until_the_receipt_or_the_last_attempt() -> None:
    deps = make_deps()  # decisions are stamped by the injected clock
    cases, _, _, clock = parts(deps)
    waiting = await opened(deps)
    verified = await opened(deps)
    no_copy = await opened(deps, send_email_copy=False)
    await handlers.verify_case(handlers.VerifyCase(CLERK, verified, "ok"), deps=deps)
    for case_id in (waiting, verified, no_copy):
        cases.relay(case_id)
    clock.now += timedelta(minutes=16)
    counts = await handlers.resend_stuck_cases(POLICY, deps=deps)
    # The other checks (reminder, rejected and expired mails) find nothing here.
    assert counts == {**NOTHING_ELSE, "awaiting_verification": 1, "verified": 1}
    [copy] = cases.relay(waiting)
    assert (copy.event, copy.data[MARK]) == (Event.AWAITING_VERIFICATION, 1)
    [again] = cases.relay(verified)
    assert KEYS.events.open_json(again.data["sealed"], verified)["note"] == "ok"
    await handlers.record_delivery(receipt(waiting, "copy"), deps=deps)
    clock.now += timedelta(minutes=16)
    counts = await handlers.resend_stuck_cases(POLICY, deps=deps)
    assert counts == {**NOTHING_ELSE, "awaiting_verification": 0, "verified": 1}  # copy mailed
    # Each next re-emit waits twice as long (period x 2^(n-1)): the third one within 32 min.
    for _ in range(3):
        cases.relay(verified)
        clock.now += timedelta(minutes=16)
        await handlers.resend_stuck_cases(POLICY, deps=deps)
    assert cases.docs[verified]["reconcile"]["count"] == POLICY.reconcile_max_attempts


async def test_resend_stuck_cases_checks_each_closing_mails_receipt(deps: Deps) -> None:
    cases, _, _, clock = parts(deps)
    rejected, mailed = await opened(deps), await opened(deps)
    for case_id in (rejected, mailed):
        await handlers.reject_case(handlers.RejectCase(CLERK, case_id, "ảnh mờ"), deps=deps)
        cases.relay(case_id)
    await handlers.record_delivery(receipt(mailed, "rejected"), deps=deps)
    clock.now += timedelta(minutes=16)
    counts = await handlers.resend_stuck_cases(POLICY, deps=deps)
    assert counts["rejected"] == 1  # the one whose status mail has no receipt
    [again] = cases.relay(rejected)
    assert (again.event, again.data[MARK]) == (Event.REJECTED, 1)
    assert KEYS.events.open_json(again.data["sealed"], rejected) == {"note": "ảnh mờ"}
    assert cases.relay(mailed) == []


async def test_withdraw_case_once_and_never_a_decided_one(deps: Deps) -> None:
    cases, _, _, _ = parts(deps)
    case_id, decided = await opened(deps), await opened(deps)
    await handlers.verify_case(handlers.VerifyCase(CLERK, decided, None), deps=deps)
    for about in (case_id, case_id, decided):  # the first one redelivered
        await handlers.withdraw_case(withdrawn(about), deps=deps)
    assert cases.docs[case_id]["status"] == "withdrawn"
    assert cases.docs[case_id]["sealed"] is None
    assert "name_hash" not in cases.docs[case_id]
    assert cases.docs[decided]["status"] == "verified"
    history = [e["action"] for e in await cases.history(case_id)]
    assert history.count("withdrawn") == 1
    detail = await handlers.case_detail(cases.docs[case_id], deps=deps)
    assert detail.sealed == {"shredded": True}  # no personal data left to show


async def test_enforce_retention_shreds_closed_cases_and_expires_records(deps: Deps) -> None:
    cases, _, _, clock = parts(deps)
    case_id = await opened(deps)
    await handlers.reject_case(handlers.RejectCase(CLERK, case_id, "ảnh mờ"), deps=deps)
    retention = Retention(rejected_days=30, audit_days=60)
    assert await handlers.enforce_retention(retention, clock.now, deps=deps) == 0
    later = clock.now + timedelta(days=31)
    assert await handlers.enforce_retention(retention, later, deps=deps) == 1
    assert cases.docs[case_id]["shredded_at"] == later
    assert cases.docs[case_id]["sealed"] is None
    much_later = later + timedelta(days=61)
    assert await handlers.expire_records(retention, much_later, deps=deps) >= 1
    assert await cases.history(case_id) == []


def withdrawn(case_id: str) -> Envelope[Withdrawn]:
    event = new_event(
        Event.WITHDRAWN,
        source="tests",
        declaration_id=case_id,
        agency_code=AGENCY,
        data={"reference": "4802-AAAAAA", "sealed": KEYS.events.seal_json({}, case_id)},
        clock=FrozenClock(OPENED),
    )
    return typed(event, Withdrawn)


# --- the composition root -----------------------------------------------------------------------


async def test_bootstrap_takes_fakes_and_current_operator_reads_them() -> None:
    operators, cases = FakeOperators(), FakeCases()
    app = bootstrap(ReviewSettings(secret_key="s" * 40), operators=operators, cases=cases)
    assert app.deps.cases is cases
    assert app.on_start  # the real image store and outbox still index themselves
    _, token = await operators.add("Nguyễn Văn B", AGENCY, OPENED)
    op = await app.operators.by_token(token)
    assert op is not None
    assert op.agency_code == AGENCY
    with pytest.raises(TypeError, match="unknown overrides"):
        bootstrap(ReviewSettings(secret_key="s" * 40), case_store=cases)
