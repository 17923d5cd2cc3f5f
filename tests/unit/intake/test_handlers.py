"""intake's use cases on the in-memory ports of `tests/fakes.py`: no MongoDB, no NATS."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

import pytest

from tests.fakes import (
    KEYS,
    FakeAccounts,
    FakeAgencySource,
    FakeDeclarations,
    FakeImages,
    FakeLoginLimits,
    FakeOutbox,
    FakePasswordWork,
    FakeQrDecoder,
    FakeRateLimit,
    FakeRegistry,
    FakeSessions,
    FrozenClock,
)
from tests.support.applicant import BAO, portrait_jpeg
from vssid_intake import account_handlers as accounts
from vssid_intake import handlers
from vssid_intake.bootstrap import bootstrap
from vssid_intake.domain.agencies import Agency, AgencyCatalog
from vssid_intake.domain.errors import (
    CaseNotOpenedError,
    ConflictError,
    HashingBusyError,
    InvalidFieldsError,
    LoginFailedError,
    NotDeletableError,
    NotFoundError,
    QrDecodeError,
    SessionExpiredError,
    TooManyLoginsError,
    WeakPasswordError,
)
from vssid_intake.domain.passwords import hash_password
from vssid_intake.domain.registry import InsuredPerson
from vssid_intake.domain.statuses import Status
from vssid_intake.ports import Deps, Limits, ReconcilePolicy
from vssid_intake.settings import IntakeSettings
from vssid_shared.contracts import Envelope, Scanned, StatusChanged, typed
from vssid_shared.envelope import new_event
from vssid_shared.message_errors import InvalidMessageError
from vssid_shared.reconcile import MARK
from vssid_shared.retention import Retention
from vssid_shared.subjects import QR_UPLOAD_KIND, RPC_INLINE_PHOTO_HEADER, Event

BAO_PERSON = InsuredPerson("4890012345", "Nguyễn Văn Bảo", date(1990, 3, 15), "male", "48")


def make_deps(**given: Any) -> Deps:
    parts: dict[str, Any] = {
        "declarations": FakeDeclarations(),
        "accounts": FakeAccounts(),
        "sessions": FakeSessions(),
        "registry": FakeRegistry([BAO_PERSON]),
        "images": FakeImages(),
        "outbox": FakeOutbox(),
        "login_limits": FakeLoginLimits(),
        "password_work": FakePasswordWork(),
        "qr_decoder": FakeQrDecoder(),
        "agencies": AgencyCatalog.load(),
        "keys": KEYS,
        "clock": FrozenClock(),
        "limits": Limits(10 << 20, 40_000_000, 40_000_000, 512 << 10),
    }
    return Deps(**{**parts, **given})


@pytest.fixture
def deps() -> Deps:
    return make_deps()


def fakes(deps: Deps) -> tuple[FakeDeclarations, FakeOutbox]:
    assert isinstance(deps.declarations, FakeDeclarations)
    assert isinstance(deps.outbox, FakeOutbox)
    return deps.declarations, deps.outbox


async def draft(deps: Deps, **fields: Any) -> tuple[str, str]:
    doc, token = await handlers.create_declaration(
        handlers.CreateDeclaration({**copy.deepcopy(BAO), **fields}), deps=deps
    )
    return doc["_id"], token


async def with_photos(deps: Deps, declaration_id: str, token: str) -> None:
    for n, kind in enumerate(("portrait", "id_front", "id_back")):
        photo = handlers.PutImage(declaration_id, token, kind, portrait_jpeg(n))
        await handlers.put_image(photo, deps=deps)


async def submitted(deps: Deps, key: str | None = None) -> tuple[str, str, str]:
    declaration_id, token = await draft(deps)
    await with_photos(deps, declaration_id, token)
    command = handlers.SubmitDeclaration(declaration_id, token, key)
    doc = await handlers.submit_declaration(command, deps=deps)
    return declaration_id, token, doc["reference"]


def event_about(name: Event, declaration_id: str, **data: Any) -> Envelope[StatusChanged]:
    """A review status event about the declaration, as its subscriber reads it."""
    body = {"reference": "4802-XXXXXX", "deadline": "2026-03-31", **data}
    return typed(
        new_event(
            name,
            source="tests",
            declaration_id=declaration_id,
            agency_code="4802",
            data=body,
            clock=FrozenClock(),
        ),
        StatusChanged,
    )


# --- drafts -------------------------------------------------------------------------------------


async def test_create_declaration_keeps_only_the_token_hash(deps: Deps) -> None:
    declaration_id, token = await draft(deps)
    stored = fakes(deps)[0].docs[declaration_id]
    assert stored["status"] == Status.DRAFT
    assert token not in str(stored)
    assert stored["fields"]["phone"] == "+84905123456"  # normalised to E.164


async def test_create_declaration_refuses_invalid_fields(deps: Deps) -> None:
    with pytest.raises(InvalidFieldsError) as refused:
        await draft(deps, date_of_birth="2999-01-01")
    assert [e.loc for e in refused.value.errors] == [("body", "date_of_birth")]


async def test_read_declaration_tells_a_wrong_token_not_found(deps: Deps) -> None:
    declaration_id, token = await draft(deps)
    read = await handlers.read_declaration(
        handlers.ReadDeclaration(declaration_id, token), deps=deps
    )
    assert read["_id"] == declaration_id
    _, other_token = await draft(deps)
    with pytest.raises(NotFoundError):
        await handlers.read_declaration(
            handlers.ReadDeclaration(declaration_id, other_token), deps=deps
        )
    with pytest.raises(NotFoundError):
        await handlers.read_declaration(handlers.ReadDeclaration("nope", token), deps=deps)


async def test_update_declaration_merges_and_refuses_after_submit(deps: Deps) -> None:
    declaration_id, token = await draft(deps)
    change = handlers.UpdateDeclaration(declaration_id, token, {"address": "Tổ 9, Hải Châu"})
    doc = await handlers.update_declaration(change, deps=deps)
    fields = deps.declarations.open_fields(doc)
    assert (fields["address"], fields["full_name"]) == ("Tổ 9, Hải Châu", "Nguyễn Văn Bảo")
    await with_photos(deps, declaration_id, token)
    await handlers.submit_declaration(handlers.SubmitDeclaration(declaration_id, token), deps=deps)
    with pytest.raises(ConflictError):
        await handlers.update_declaration(change, deps=deps)


async def test_put_image_replaces_the_earlier_photo(deps: Deps) -> None:
    declaration_id, token = await draft(deps)
    images = deps.images
    assert isinstance(images, FakeImages)
    first = await handlers.put_image(
        handlers.PutImage(declaration_id, token, "portrait", portrait_jpeg(1)), deps=deps
    )
    second = await handlers.put_image(
        handlers.PutImage(declaration_id, token, "portrait", portrait_jpeg(2)), deps=deps
    )
    assert first["sha256"] != second["sha256"]
    assert (first["content_type"], first["width"], first["height"]) == ("image/jpeg", 600, 800)
    assert len(images.files) == 1
    assert len(images.deleted) == 1  # the first one is gone
    stored = fakes(deps)[0].docs[declaration_id]["images"]["portrait"]
    assert stored["sha256"] == second["sha256"]


# --- submission ---------------------------------------------------------------------------------


async def test_submit_declaration_queues_submitted_once_with_the_sealed_fields(
    deps: Deps,
) -> None:
    declarations, outbox = fakes(deps)
    declaration_id, _, reference = await submitted(deps)
    [event] = declarations.pending(declaration_id)
    assert event.event == Event.SUBMITTED
    assert event.data["reference"] == reference
    assert reference.startswith("4802-")
    sealed = KEYS.events.open_json(event.data["sealed"], declaration_id)
    assert sealed["social_insurance_number"] == "4890012345"
    assert set(event.data["images"]) == {"portrait", "id_front", "id_back"}
    assert event.data["sin_findings"] == []  # the registry has Bảo with this number
    assert event.data["submitted_at"] == deps.clock().isoformat()  # the injected clock
    assert event.time == deps.clock()  # `new_event` stamps the injected clock too
    assert outbox.kicks == 1


async def test_submit_declaration_lists_what_is_missing(deps: Deps) -> None:
    declaration_id, token = await draft(deps)
    with pytest.raises(InvalidFieldsError) as refused:
        await handlers.submit_declaration(
            handlers.SubmitDeclaration(declaration_id, token), deps=deps
        )
    assert {e.loc for e in refused.value.errors} == {
        ("images", "portrait"),
        ("images", "id_front"),
        ("images", "id_back"),
    }


async def test_submit_declaration_replays_its_idempotency_key_only(deps: Deps) -> None:
    declaration_id, token, reference = await submitted(deps, key="k-1")
    again = handlers.SubmitDeclaration(declaration_id, token, "k-1")
    assert (await handlers.submit_declaration(again, deps=deps))["reference"] == reference
    for other in ("k-2", None):
        with pytest.raises(ConflictError):
            await handlers.submit_declaration(
                handlers.SubmitDeclaration(declaration_id, token, other), deps=deps
            )
    assert len(fakes(deps)[0].pending(declaration_id)) == 1


async def test_submit_declaration_draws_again_when_a_reference_is_taken(
    deps: Deps, monkeypatch: pytest.MonkeyPatch
) -> None:
    declarations, _ = fakes(deps)
    declarations.taken_references.add("4802-TAKEN1")
    drawn = iter(["4802-TAKEN1", "4802-FRESH1"])
    monkeypatch.setattr(handlers, "new_reference", lambda _: next(drawn))
    _, _, reference = await submitted(deps)
    assert reference == "4802-FRESH1"


async def test_submit_declaration_tells_the_clerk_about_the_number(deps: Deps) -> None:
    registry = deps.registry
    assert isinstance(registry, FakeRegistry)
    registry.people = [
        InsuredPerson("4890012345", "Trần Thị Mai", date(1985, 1, 2), "female", "48")
    ]
    declaration_id, _, _ = await submitted(deps)
    [event] = fakes(deps)[0].pending(declaration_id)
    assert [f["code"] for f in event.data["sin_findings"]] == ["sin_registry_mismatch"]
    registry.people = []
    other, _, _ = await submitted(deps)
    [event] = fakes(deps)[0].pending(other)
    assert [f["code"] for f in event.data["sin_findings"]] == ["sin_not_in_registry"]


async def test_submit_declaration_flags_an_account_already_active(deps: Deps) -> None:
    owner, _, _ = await submitted(deps)
    fakes(deps)[0].docs[owner]["status"] = Status.AWAITING_VERIFICATION
    await accounts.activate_account(event_about(Event.VERIFIED, owner), deps=deps)
    stranger, _, _ = await submitted(deps)
    [event] = fakes(deps)[0].pending(stranger)
    assert "account_already_active" in [f["code"] for f in event.data["sin_findings"]]
    account = KEYS.events.open_json(event.data["account_sealed"], stranger)
    assert account["active"] is True
    assert account["phone_masked"] == "090****456"


# --- other services' events ---------------------------------------------------------------------


def scanned_about(declaration_id: str, card: dict[str, Any] | None = None) -> Envelope[Scanned]:
    """ocr_qr's `scanned` for this declaration, with one warning and a sealed card."""
    payload = {"card": card or {"full_name": "Nguyễn Văn Bảo"}, "discrepancies": ["address"]}
    sealed = KEYS.events.seal_json(payload, declaration_id)
    finding = {"code": "image_blurry", "severity": "warning", "message": "Ảnh mờ.", "image": None}
    data = {
        "reference": "4802-XXXXXX",
        "sealed": sealed,
        "qr": {"found": True},
        "findings": [finding],
    }
    event = new_event(
        Event.SCANNED,
        source="tests",
        declaration_id=declaration_id,
        agency_code="4802",
        data=data,
        clock=FrozenClock(),
    )
    return typed(event, Scanned)


async def test_record_status_waits_for_the_scan_it_announces(deps: Deps) -> None:
    """Before the scan: held on the declaration (no retry, no error), applied with the scan."""
    declarations, _ = fakes(deps)
    declaration_id, _, _ = await submitted(deps)
    awaiting = event_about(Event.AWAITING_VERIFICATION, declaration_id)
    await handlers.record_status(awaiting, deps=deps)  # returns: the message is acked
    assert declarations.docs[declaration_id]["status"] == Status.SUBMITTED
    statuses = [e["status"] for e in declarations.docs[declaration_id]["timeline"]]
    assert statuses == ["draft", "submitted"]  # nothing the applicant sees ran ahead
    await handlers.record_scan(scanned_about(declaration_id), deps=deps)
    await handlers.record_status(awaiting, deps=deps)  # a redelivery changes nothing
    assert declarations.docs[declaration_id]["status"] == Status.AWAITING_VERIFICATION


async def test_a_held_status_applies_with_the_scan_once_whatever_redelivers(deps: Deps) -> None:
    declarations, _ = fakes(deps)
    declaration_id, _, _ = await submitted(deps)
    awaiting = event_about(Event.AWAITING_VERIFICATION, declaration_id)
    scanned = scanned_about(declaration_id)
    await handlers.record_status(awaiting, deps=deps)
    await handlers.record_status(awaiting, deps=deps)  # redelivered while held
    await handlers.record_scan(scanned, deps=deps)
    doc = declarations.docs[declaration_id]
    assert doc["status"] == Status.AWAITING_VERIFICATION
    assert doc["enrichment"]["qr"] == {"found": True}
    assert "held_status" not in doc
    await handlers.record_scan(scanned, deps=deps)  # both redelivered after
    await handlers.record_status(awaiting, deps=deps)
    doc = declarations.docs[declaration_id]
    assert [e["status"] for e in doc["timeline"]] == ["draft", "submitted", "awaiting_verification"]
    assert doc["timeline"][-1]["at"] == awaiting.time  # review's time, not the scan's
    assert doc["applied_events"] == [awaiting.id]


async def test_record_status_after_the_scan_applies_at_once(deps: Deps) -> None:
    declarations, _ = fakes(deps)
    declaration_id, _, _ = await submitted(deps)
    await handlers.record_scan(scanned_about(declaration_id), deps=deps)
    await handlers.record_status(
        event_about(Event.AWAITING_VERIFICATION, declaration_id), deps=deps
    )
    doc = declarations.docs[declaration_id]
    assert doc["status"] == Status.AWAITING_VERIFICATION
    assert "held_status" not in doc
    assert [e["status"] for e in doc["timeline"]] == ["draft", "submitted", "awaiting_verification"]


async def test_a_decision_after_a_held_status_is_not_undone_by_the_scan(deps: Deps) -> None:
    declarations, _ = fakes(deps)
    declaration_id, _, _ = await submitted(deps)
    await handlers.record_status(
        event_about(Event.AWAITING_VERIFICATION, declaration_id), deps=deps
    )
    await handlers.record_status(event_about(Event.REJECTED, declaration_id), deps=deps)
    await handlers.record_scan(scanned_about(declaration_id), deps=deps)
    doc = declarations.docs[declaration_id]
    assert doc["status"] == Status.REJECTED
    assert "awaiting_verification" not in [e["status"] for e in doc["timeline"]]


async def test_record_status_moves_forward_once_never_back(deps: Deps) -> None:
    declarations, _ = fakes(deps)
    declaration_id, _, _ = await submitted(deps)
    await handlers.record_scan(scanned_about(declaration_id), deps=deps)
    awaiting = event_about(Event.AWAITING_VERIFICATION, declaration_id)
    for event in (awaiting, awaiting, event_about(Event.AWAITING_VERIFICATION, declaration_id)):
        await handlers.record_status(event, deps=deps)
    await handlers.record_status(event_about(Event.VERIFIED, declaration_id), deps=deps)
    await handlers.record_status(awaiting, deps=deps)  # late and out of order: ignored
    doc = declarations.docs[declaration_id]
    assert doc["status"] == Status.VERIFIED
    statuses = [e["status"] for e in doc["timeline"]]
    assert statuses == ["draft", "submitted", "awaiting_verification", "verified"]


async def test_record_scan_keeps_the_findings_for_the_applicant(deps: Deps) -> None:
    declaration_id, _, _ = await submitted(deps)
    card = {"full_name": "Nguyễn Văn Bảo"}
    await handlers.record_scan(scanned_about(declaration_id, card), deps=deps)
    enrichment = fakes(deps)[0].docs[declaration_id]["enrichment"]
    assert enrichment == {
        "qr": {"found": True},
        "findings": [
            {"code": "image_blurry", "severity": "warning", "message": "Ảnh mờ.", "image": None}
        ],  # the wire form of FindingData
        "card": card,
        "discrepancies": ["address"],
    }


async def test_resend_stuck_declarations_sends_submitted_again_within_attempts() -> None:
    deps = make_deps()  # `submitted_at` is the injected clock's
    declarations, outbox = fakes(deps)
    declaration_id, _, reference = await submitted(deps)
    policy = ReconcilePolicy(after_seconds=600, interval_seconds=60, max_attempts=2)
    assert await handlers.resend_stuck_declarations(policy, deps=deps) == 0  # still in outbox
    declarations.relay(declaration_id)
    assert await handlers.resend_stuck_declarations(policy, deps=deps) == 0  # not yet late
    clock = deps.clock
    assert isinstance(clock, FrozenClock)
    for attempt in (1, 2):
        clock.now += timedelta(minutes=11)
        assert await handlers.resend_stuck_declarations(policy, deps=deps) == 1
        [event] = declarations.relay(declaration_id)
        assert (event.event, event.data["reference"]) == (Event.SUBMITTED, reference)
        assert event.data[MARK] == attempt
    clock.now += timedelta(minutes=11)
    assert await handlers.resend_stuck_declarations(policy, deps=deps) == 0  # attempts spent
    assert outbox.kicks == 3


# --- autofill and the agency list ---------------------------------------------------------------


async def test_list_agencies_takes_a_cccd_province_code(deps: Deps) -> None:
    every = await handlers.list_agencies(handlers.ListAgencies(), deps=deps)
    two = await handlers.list_agencies(handlers.ListAgencies("48"), deps=deps)
    three = await handlers.list_agencies(handlers.ListAgencies("048"), deps=deps)
    assert two == three == [a for a in every if a["province_code"] == "48"]
    assert two


async def test_refresh_agencies_prefers_an_imported_catalog(deps: Deps) -> None:
    imported = AgencyCatalog([Agency(code="9901", name="BHXH thử", province_code="99")])
    await handlers.refresh_agencies(FakeAgencySource(None), deps=deps)
    assert "9901" not in deps.agencies
    await handlers.refresh_agencies(FakeAgencySource(imported), deps=deps)
    assert [
        a["code"] for a in await handlers.list_agencies(handlers.ListAgencies(), deps=deps)
    ] == ["9901"]


async def test_decode_qr_payload_and_photo_inline_or_by_claim_check(deps: Deps) -> None:
    decoder, images = deps.qr_decoder, deps.images
    assert isinstance(decoder, FakeQrDecoder)
    assert isinstance(images, FakeImages)
    answer = await handlers.decode_qr_payload(handlers.DecodeQrPayload("048|..."), deps=deps)
    assert answer["kind"] == "cccd"
    small = portrait_jpeg()
    await handlers.decode_qr_photo(handlers.DecodeQrPhoto(small), deps=deps)
    big = make_deps(qr_decoder=decoder, images=images, limits=Limits(10 << 20, 10**8, 10**8, 10))
    await handlers.decode_qr_photo(handlers.DecodeQrPhoto(small), deps=big)
    [payload, inline, claim] = decoder.asked
    assert payload == ({"payload": "048|..."}, None)
    assert inline == (small, {RPC_INLINE_PHOTO_HEADER: "1"})
    request = claim[0]
    assert isinstance(request, dict)
    assert set(request) == {"upload_id", "file_id"}
    assert images.files == {}
    assert images.deleted == [request["file_id"]]  # gone after decoding
    decoder.error = ("qr_not_found", "Không tìm thấy mã QR.")
    with pytest.raises(QrDecodeError):
        await handlers.decode_qr_payload(handlers.DecodeQrPayload("x"), deps=deps)
    assert QR_UPLOAD_KIND


async def test_lookup_insured_matches_name_birth_date_and_province(deps: Deps) -> None:
    found = await handlers.lookup_insured(
        handlers.LookupInsured("NGUYEN VAN BAO", date(1990, 3, 15), "048"), deps=deps
    )
    assert found == [
        {
            "social_insurance_number": "4890012345",
            "full_name": "Nguyễn Văn Bảo",
            "date_of_birth": "1990-03-15",
        }
    ]
    none = handlers.LookupInsured("Nguyễn Văn Bảo", date(1990, 3, 16), "48")
    assert await handlers.lookup_insured(none, deps=deps) == []


# --- accounts -----------------------------------------------------------------------------------


async def awaiting(deps: Deps, **fields: Any) -> str:
    declaration_id, token = await draft(deps, **fields)
    await with_photos(deps, declaration_id, token)
    await handlers.submit_declaration(handlers.SubmitDeclaration(declaration_id, token), deps=deps)
    fakes(deps)[0].docs[declaration_id]["status"] = Status.AWAITING_VERIFICATION
    return declaration_id


async def test_activate_account_once_with_the_password_sealed_for_the_notifier(
    deps: Deps,
) -> None:
    account_store = deps.accounts
    assert isinstance(account_store, FakeAccounts)
    declaration_id = await awaiting(deps)
    verified = event_about(Event.VERIFIED, declaration_id)
    for _ in range(2):  # redelivered
        await accounts.activate_account(verified, deps=deps)
    [activated] = account_store.pending("4890012345")
    assert activated.event == Event.ACCOUNT_ACTIVATED
    secret = KEYS.passwords.open_json(activated.data["sealed"], declaration_id)
    assert secret["phone"] == "+84905123456"
    stored = await account_store.get(account_store.key("4890012345"))
    assert stored is not None
    assert stored["must_change_password"] is True
    assert secret["password"] not in str(stored)


async def test_activate_account_refuses_what_review_did_not_open(deps: Deps) -> None:
    declaration_id, _, _ = await submitted(deps)
    with pytest.raises(CaseNotOpenedError):  # retried: intake may not have seen it opened yet
        await accounts.activate_account(event_about(Event.VERIFIED, declaration_id), deps=deps)
    other = await awaiting(deps)
    stranger = typed(
        new_event(
            Event.VERIFIED,
            source="x",
            declaration_id=other,
            agency_code="0101",
            data={"reference": "0101-XXXXXX", "deadline": "2026-03-31"},
            clock=FrozenClock(),
        ),
        StatusChanged,
    )
    with pytest.raises(InvalidMessageError):
        await accounts.activate_account(stranger, deps=deps)
    with pytest.raises(LookupError):
        await accounts.activate_account(event_about(Event.VERIFIED, "unknown"), deps=deps)


async def test_activate_account_holds_an_active_one_and_reissues_to_its_owner(
    deps: Deps,
) -> None:
    declarations, _ = fakes(deps)
    account_store = deps.accounts
    assert isinstance(account_store, FakeAccounts)
    owner = await awaiting(deps)
    await accounts.activate_account(event_about(Event.VERIFIED, owner), deps=deps)
    before = await account_store.get(account_store.key("4890012345"))
    stranger = await awaiting(deps, phone="0977333444", email="x@example.com")
    await accounts.activate_account(event_about(Event.VERIFIED, stranger), deps=deps)
    [held] = declarations.pending(stranger)[1:]
    assert (held.event, held.data["reason"]) == (Event.ACCOUNT_HELD, "account_active")
    after = await account_store.get(account_store.key("4890012345"))
    assert before is not None
    assert after is not None
    assert after["password_hash"] == before["password_hash"]

    sessions = deps.sessions
    assert isinstance(sessions, FakeSessions)
    await sessions.open("old-session", account_store.key("4890012345"), deps.clock())
    reissuer = await awaiting(deps, phone="0988555666")
    reissue = event_about(Event.VERIFIED, reissuer, reissue_password=True)
    await accounts.activate_account(reissue, deps=deps)
    secret = KEYS.passwords.open_json(
        account_store.pending("4890012345")[-1].data["sealed"], reissuer
    )
    assert secret["phone"] == "+84905123456"  # the owner's phone, not the re-issuer's
    assert secret["reissued"] is True
    assert sessions.docs == {}  # the old password's sessions ended


async def active_account(deps: Deps, password: str) -> None:
    account_store = deps.accounts
    assert isinstance(account_store, FakeAccounts)
    declaration_id = await awaiting(deps)
    await accounts.activate_account(event_about(Event.VERIFIED, declaration_id), deps=deps)
    await account_store.set_password(
        account_store.key("4890012345"), hash_password(password), deps.clock()
    )
    account_store.docs[account_store.key("4890012345")]["must_change_password"] = True


async def test_log_in_opens_a_session_read_and_closed_by_its_token(deps: Deps) -> None:
    await active_account(deps, "Mật-khẩu-đầu-1")
    token, must_change = await accounts.log_in(
        accounts.LogIn("4890012345", "Mật-khẩu-đầu-1", "10.0.0.1"), deps=deps
    )
    assert must_change is True
    view = await accounts.read_session(accounts.ReadSession(token), deps=deps)
    assert view.must_change_password is True
    assert view.expires_at == deps.clock() + timedelta(hours=12)
    await accounts.log_out(accounts.LogOut(token), deps=deps)
    with pytest.raises(SessionExpiredError):
        await accounts.read_session(accounts.ReadSession(token), deps=deps)


async def test_log_in_before_activation_fails_like_a_wrong_password(deps: Deps) -> None:
    """Declared and submitted, not verified: there is no account to log in to."""
    await submitted(deps)
    for account in ("4890012345", "GD4484890012345", "not-an-id"):
        with pytest.raises(LoginFailedError):
            await accounts.log_in(accounts.LogIn(account, "x" * 10, "10.0.0.1"), deps=deps)


async def test_log_in_is_limited_and_refunds_a_check_that_never_ran(deps: Deps) -> None:
    limits, work = deps.login_limits, deps.password_work
    assert isinstance(limits, FakeLoginLimits)
    assert isinstance(work, FakePasswordWork)
    await active_account(deps, "Mật-khẩu-đầu-1")
    work.busy = True
    with pytest.raises(HashingBusyError):
        await accounts.log_in(accounts.LogIn("4890012345", "x", "c"), deps=deps)
    assert limits.failures.get("4890012345", 0) == 0  # refused before a guess was counted
    work.busy = False
    for _ in range(5):
        with pytest.raises(LoginFailedError):
            await accounts.log_in(accounts.LogIn("4890012345", "sai", "c"), deps=deps)
    with pytest.raises(TooManyLoginsError):
        await accounts.log_in(accounts.LogIn("4890012345", "Mật-khẩu-đầu-1", "c"), deps=deps)


async def test_change_password_refuses_weak_ones_and_ends_every_session(deps: Deps) -> None:
    sessions = deps.sessions
    assert isinstance(sessions, FakeSessions)
    await active_account(deps, "Mật-khẩu-đầu-1")
    token, _ = await accounts.log_in(accounts.LogIn("4890012345", "Mật-khẩu-đầu-1", "c"), deps=deps)
    for weak in ("ngắn", "NguyenVanBao1990", "password123"):
        with pytest.raises(WeakPasswordError):
            await accounts.change_password(
                accounts.ChangePassword("4890012345", "Mật-khẩu-đầu-1", weak, "c"), deps=deps
            )
    strong = "Sông-Hàn-chảy-về-biển-47"
    change = accounts.ChangePassword("4890012345", "Mật-khẩu-đầu-1", strong, "c")
    await accounts.change_password(change, deps=deps)
    assert sessions.docs == {}
    with pytest.raises(SessionExpiredError):
        await accounts.read_session(accounts.ReadSession(token), deps=deps)
    _, must_change = await accounts.log_in(accounts.LogIn("4890012345", strong, "c"), deps=deps)
    assert must_change is False


# --- the composition root -----------------------------------------------------------------------


def test_bootstrap_takes_fakes_by_name_and_refuses_unknown_ones() -> None:
    settings = IntakeSettings(secret_key="s" * 40)
    given = make_deps()
    app = bootstrap(
        settings,
        declarations=given.declarations,
        outbox=given.outbox,
        qr_decoder=given.qr_decoder,
        lookup_limit=FakeRateLimit(),
    )
    assert app.deps.declarations is given.declarations
    assert app.deps.qr_decoder is given.qr_decoder
    assert app.lookup_limit.__class__ is FakeRateLimit
    app.stop()
    with pytest.raises(TypeError, match="unknown overrides"):
        bootstrap(settings, declaration_store=given.declarations)


# --- the applicant's rights, retention, a lost account_activated healed ----------------------


async def test_delete_declaration_discards_a_draft_with_its_photos(deps: Deps) -> None:
    declaration_id, token = await draft(deps)
    await with_photos(deps, declaration_id, token)
    images = deps.images
    assert isinstance(images, FakeImages)
    command = handlers.DeleteDeclaration(declaration_id, token)
    assert await handlers.delete_declaration(command, deps=deps) is None
    assert declaration_id not in fakes(deps)[0].docs
    assert images.files == {}


async def test_delete_declaration_withdraws_once_then_answers_the_same(deps: Deps) -> None:
    declaration_id, token, reference = await submitted(deps)
    store, outbox = fakes(deps)
    store.relay(declaration_id)
    kicks = outbox.kicks
    command = handlers.DeleteDeclaration(declaration_id, token)
    tombstone = await handlers.delete_declaration(command, deps=deps)
    assert tombstone is not None
    assert tombstone["status"] == "withdrawn"
    assert "fields" not in store.docs[declaration_id]
    assert tombstone["images"] == {}
    [withdrawn] = store.relay(declaration_id)
    assert withdrawn.event == Event.WITHDRAWN
    assert withdrawn.data["reference"] == reference
    # The confirmation's contact is sealed under the service key: it outlives the data key.
    contact = KEYS.events.open_json(withdrawn.data["sealed"], declaration_id)
    assert contact["full_name"] == BAO["full_name"]
    assert outbox.kicks == kicks + 1
    again = await handlers.delete_declaration(command, deps=deps)
    assert again is not None
    assert again["status"] == "withdrawn"
    assert store.relay(declaration_id) == []


async def test_delete_declaration_refuses_a_decided_one_naming_the_office(deps: Deps) -> None:
    declaration_id, token, _ = await submitted(deps)
    fakes(deps)[0].docs[declaration_id]["status"] = Status.VERIFIED
    with pytest.raises(NotDeletableError) as refused:
        await handlers.delete_declaration(
            handlers.DeleteDeclaration(declaration_id, token), deps=deps
        )
    assert "đã được xác minh" in str(refused.value.message)


async def test_export_declaration_gives_the_fields_held(deps: Deps) -> None:
    declaration_id, token = await draft(deps)
    found = await handlers.export_declaration(
        handlers.ExportDeclaration(declaration_id, token), deps=deps
    )
    assert found.fields["full_name"] == BAO["full_name"]
    assert found.fields["consent"]["accepted"] is True  # stamped by intake at create
    assert found.exported_at == deps.clock()


async def test_discard_stale_drafts_goes_after_the_retention_row(deps: Deps) -> None:
    kept, _ = await draft(deps)
    clock = deps.clock
    assert isinstance(clock, FrozenClock)
    retention = Retention(draft_days=30)
    assert await handlers.discard_stale_drafts(retention, clock.now, deps=deps) == 0
    later = clock.now + timedelta(days=31)
    assert await handlers.discard_stale_drafts(retention, later, deps=deps) == 1
    assert kept not in fakes(deps)[0].docs


async def test_a_reconciled_verified_requeues_the_stored_account_activated(deps: Deps) -> None:
    account_store = deps.accounts
    assert isinstance(account_store, FakeAccounts)
    declaration_id = await awaiting(deps)
    await accounts.activate_account(event_about(Event.VERIFIED, declaration_id), deps=deps)
    [first] = account_store.pending("4890012345")
    account_store.docs[account_store.key("4890012345")]["pending"] = []  # the relay sent it
    work = deps.password_work
    assert isinstance(work, FakePasswordWork)
    reconciled = event_about(Event.VERIFIED, declaration_id, reconciled=2)
    await accounts.activate_account(reconciled, deps=deps)
    [again] = account_store.pending("4890012345")
    assert again.event == Event.ACCOUNT_ACTIVATED
    assert again.id != first.id
    assert again.data["sealed"] == first.data["sealed"]
    assert again.data[MARK] == 2
    # A plain redelivery queues nothing more.
    await accounts.activate_account(event_about(Event.VERIFIED, declaration_id), deps=deps)
    assert len(account_store.pending("4890012345")) == 1
