"""The notifier's use cases with fakes: each mail or SMS once, its receipt, its failures."""

from __future__ import annotations

from typing import Any

from tests.fakes import FakeDeliveries, FakeMailer, FakeOutbox, FakeSms
from tests.support.clock import START, FrozenClock
from vssid_notifier.handlers import (
    deliver,
    mail_declaration_copy,
    mail_status,
    send_initial_password,
)
from vssid_notifier.ports import NotifyDeps
from vssid_shared.clock import utc_now
from vssid_shared.contracts import (
    AccountActivated,
    CloudEvent,
    DeliveryReceipt,
    Envelope,
    StatusChanged,
    new_event,
    parse_event,
)
from vssid_shared.crypto import Keys
from vssid_shared.reconcile import marked
from vssid_shared.subjects import Event

KEYS = Keys("unit-test-secret-unit-test-secret")
DECLARATION = "d-1"
AGENCY = {"code": "4802", "name": "BHXH quận Thanh Khê", "address": "Số 3 Hà Huy Tập"}
FIELDS: dict[str, Any] = {
    "full_name": "Đặng Thị Ngọc Hưởng",
    "social_insurance_number": "4890012345",
    "date_of_birth": "1990-03-07",
    "gender": "female",
    "nationality": "VN",
    "id_document": {"type": "cccd", "number": "048190000123", "issued_on": "2021-05-12"},
    "address": "Kiệt 12 Hà Huy Tập, Phường Hòa Khê, Quận Thanh Khê, Đà Nẵng",
    "phone": "+84905123456",
    "email": "huong@example.com",
}


class World:
    def __init__(self) -> None:
        self.deliveries, self.outbox = FakeDeliveries(), FakeOutbox()
        self.mailer, self.sms = FakeMailer(), FakeSms()
        self.deps = NotifyDeps(
            deliveries=self.deliveries,
            mailer=self.mailer,
            sms=self.sms,
            events=KEYS.events,
            passwords=KEYS.passwords,
            outbox=self.outbox,
            clock=FrozenClock(),
            sender="VssID <no-reply@vssid.local>",
            locale="vi",
            record_retry_seconds=30.0,
        )

    def receipts(self) -> list[Envelope[DeliveryReceipt]]:
        return [parse_event(r, DeliveryReceipt) for r in self.deliveries.receipts()]


def status(event: Event, sealed: dict[str, Any] | None, **data: Any) -> Envelope[StatusChanged]:
    built = new_event(
        event,
        source="t",
        declaration_id=DECLARATION,
        agency_code="4802",
        data={
            "reference": "4802-ABCDEF",
            "deadline": "2026-03-31",
            "agency": AGENCY,
            "submitted_at": START.isoformat(),
            "sealed": KEYS.events.seal_json(sealed, DECLARATION) if sealed else None,
            **data,
        },
        clock=utc_now,
    )
    return parse_event(built.wire(), StatusChanged)


def activated(secret: dict[str, Any]) -> Envelope[AccountActivated]:
    built = new_event(
        Event.ACCOUNT_ACTIVATED,
        source="t",
        declaration_id=DECLARATION,
        agency_code="4802",
        data={
            "reference": "4802-ABCDEF",
            "reissued": bool(secret.get("reissued")),
            "agency": AGENCY,
            "sealed": KEYS.passwords.seal_json(secret, DECLARATION),
        },
        clock=utc_now,
    )
    return parse_event(built.wire(), AccountActivated)


def body(message: Any) -> str:
    return "\n".join(
        part.get_content() for part in message.walk() if part.get_content_type() in ("text/plain",)
    )


async def test_the_copy_is_mailed_once_with_its_pdf_and_a_receipt() -> None:
    world = World()
    event = status(Event.AWAITING_VERIFICATION, FIELDS, send_email_copy=True)

    await mail_declaration_copy(event, deps=world.deps)
    await mail_declaration_copy(event, deps=world.deps)  # a redelivery

    [mail] = world.mailer.sent
    assert mail["To"] == "huong@example.com"
    assert mail["Message-ID"] == f"<copy.{DECLARATION}@vssid.local>"
    [pdf] = [p for p in mail.iter_attachments()]
    assert pdf.get_filename() == "to-khai-4802-ABCDEF.pdf"
    assert pdf.get_content().startswith(b"%PDF")
    [receipt] = world.receipts()
    assert receipt.event == Event.COPY_MAILED
    assert receipt.time == START
    assert receipt.data.model_dump(include={"reference", "kind", "status"}) == {
        "reference": "4802-ABCDEF",
        "kind": "copy",
        "status": "sent",
    }
    assert world.deliveries.records[f"{DECLARATION}:copy"]["attempts"] == 1


async def test_no_copy_unless_asked_for_and_an_address_typed() -> None:
    world = World()
    await mail_declaration_copy(
        status(Event.AWAITING_VERIFICATION, FIELDS, send_email_copy=False), deps=world.deps
    )
    no_mail = {**FIELDS, "email": None}
    await mail_declaration_copy(
        status(Event.AWAITING_VERIFICATION, no_mail, send_email_copy=True), deps=world.deps
    )
    assert world.mailer.sent == []
    assert world.deliveries.records == {}


async def test_a_rejection_mail_carries_the_reason() -> None:
    world = World()
    person = {**{k: FIELDS[k] for k in ("full_name", "email", "social_insurance_number")}}
    await mail_status(
        status(Event.REJECTED, {**person, "note": "Ảnh chân dung bị mờ"}), deps=world.deps
    )
    [mail] = world.mailer.sent
    assert "Ảnh chân dung bị mờ" in body(mail)
    assert [r.data.kind for r in world.receipts()] == ["rejected"]


async def test_every_status_mail_goes_once_per_kind() -> None:
    world = World()
    person = {k: FIELDS[k] for k in ("full_name", "email", "social_insurance_number")}
    for event in (Event.EXPIRING, Event.EXPIRED, Event.VERIFIED):
        await mail_status(status(event, {**person, "note": None}), deps=world.deps)
        await mail_status(status(event, {**person, "note": None}), deps=world.deps)
    assert [r.data.kind for r in world.receipts()] == ["expiring", "expired", "verified"]
    assert len(world.mailer.sent) == 3


async def test_a_reissue_verified_mails_nobody_on_the_declarations_address() -> None:
    world = World()
    person = {k: FIELDS[k] for k in ("full_name", "email", "social_insurance_number")}
    await mail_status(status(Event.VERIFIED, person, reissue_password=True), deps=world.deps)
    assert world.mailer.sent == []


async def test_a_refused_mail_is_recorded_failed_and_not_retried() -> None:
    world = World()
    world.mailer.refuse = True
    person = {k: FIELDS[k] for k in ("full_name", "email", "social_insurance_number")}
    event = status(Event.EXPIRED, person)
    await mail_status(event, deps=world.deps)
    await mail_status(event, deps=world.deps)
    [receipt] = world.receipts()
    assert receipt.data.status == "failed"
    assert receipt.data.error == "recipient refused"
    assert world.deliveries.records[f"{DECLARATION}:expired"]["attempts"] == 1


async def test_the_initial_password_goes_by_sms_with_its_idempotency_key() -> None:
    world = World()
    event = activated({"password": "Xq7-pL2m9wz", "phone": "+84905123456"})
    await send_initial_password(event, deps=world.deps)
    await send_initial_password(event, deps=world.deps)
    [(to, text, key)] = world.sms.sent
    assert to == "+84905123456"
    assert "Xq7-pL2m9wz" in text
    assert key == f"{DECLARATION}:sms_password"
    assert world.mailer.sent == []
    [receipt] = world.receipts()
    assert (receipt.event, receipt.data.kind) == (Event.NOTIFIED, "sms_password")


async def test_a_reissued_password_also_tells_the_owners_email() -> None:
    world = World()
    secret = {
        "password": "Xq7-pL2m9wz",
        "phone": "+84905000111",
        "reissued": True,
        "email": "owner@example.com",
        "full_name": "Đặng Thị Ngọc Hưởng",
        "social_insurance_number": "4890012345",
    }
    await send_initial_password(activated(secret), deps=world.deps)
    assert [to for to, _, _ in world.sms.sent] == ["+84905000111"]
    [mail] = world.mailer.sent
    assert mail["To"] == "owner@example.com"
    assert "Xq7-pL2m9wz" not in body(mail)  # the password only ever goes by SMS
    assert sorted(r.data.kind for r in world.receipts()) == ["password_reissued", "sms_password"]


async def test_a_send_of_unknown_outcome_is_sent_again_with_the_same_key() -> None:
    world = World()
    event = activated({"password": "Xq7-pL2m9wz", "phone": "+84905123456"})
    # A first attempt that died after `sending` was recorded.
    await world.deliveries.attempt(f"{DECLARATION}:sms_password", DECLARATION, "sms", START)
    await send_initial_password(event, deps=world.deps)
    [(_, _, key)] = world.sms.sent
    assert key == f"{DECLARATION}:sms_password"
    assert world.deliveries.records[key]["attempts"] == 2
    assert world.deliveries.records[key]["status"] == "sent"


async def test_a_reconcilers_copy_after_the_send_requeues_the_receipt_only() -> None:
    world = World()
    person = {k: FIELDS[k] for k in ("full_name", "email", "social_insurance_number")}
    event = status(Event.VERIFIED, person)
    await mail_status(event, deps=world.deps)
    copy = parse_event(marked(CloudEvent.model_validate(event.wire()), 1).wire(), StatusChanged)

    await mail_status(copy, deps=world.deps)

    assert len(world.mailer.sent) == 1
    first, again = world.receipts()
    assert again.id != first.id
    assert again.data.status == "sent"
    assert world.outbox.kicks == 2


async def test_a_finished_send_is_recorded_through_store_hiccups_never_sent_twice() -> None:
    world = World()
    world.deliveries.unwritable = 2
    sent: list[str] = []

    async def send(key: str) -> None:
        sent.append(key)

    await deliver(status(Event.EXPIRING, None), "expiring", send, deps=world.deps)
    assert sent == [f"{DECLARATION}:expiring"]
    assert world.deliveries.records[f"{DECLARATION}:expiring"]["status"] == "sent"
