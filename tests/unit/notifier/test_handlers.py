"""The notifier's use cases with fakes: each mail or SMS once, its receipt, its failures."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fakes import FakeDeliveries, FakeMailer, FakeOutbox, FakeRecipients, FakeSms
from tests.support.clock import START, FrozenClock
from vssid_notifier.adapters.pdf import render_declaration_pdf
from vssid_notifier.domain.errors import RecipientUnknownError
from vssid_notifier.handlers import (
    deliver,
    keep_recipient,
    mail_declaration_copy,
    mail_status,
    mail_withdrawn,
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
    Submitted,
    Withdrawn,
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
        self.mailer, self.sms, self.recipients = FakeMailer(), FakeSms(), FakeRecipients()
        self.deps = NotifyDeps(
            deliveries=self.deliveries,
            recipients=self.recipients,
            mailer=self.mailer,
            sms=self.sms,
            events=KEYS.events,
            passwords=KEYS.passwords,
            records=KEYS.records,
            outbox=self.outbox,
            clock=FrozenClock(),
            sender="VssID <no-reply@vssid.local>",
            locale="vi",
            render_copy=render_declaration_pdf,
            record_retry_seconds=30.0,
        )

    async def submitted(self, fields: dict[str, Any], *, send_email_copy: bool) -> None:
        built = new_event(
            Event.SUBMITTED,
            source="t",
            declaration_id=DECLARATION,
            agency_code="4802",
            data={
                "reference": "4802-ABCDEF",
                "submitted_at": START.isoformat(),
                "agency": AGENCY,
                "send_email_copy": send_email_copy,
                "images": {},
                "sealed": KEYS.events.seal_json(fields, DECLARATION),
            },
            clock=utc_now,
        )
        await keep_recipient(parse_event(built.wire(), Submitted), deps=self.deps)

    def receipts(self) -> list[Envelope[DeliveryReceipt]]:
        return [parse_event(r, DeliveryReceipt) for r in self.deliveries.receipts()]


def status(
    event: Event, sealed: dict[str, Any] | None = None, **data: Any
) -> Envelope[StatusChanged]:
    """A status event as review sends it: what changed, and a decision's note sealed."""
    built = new_event(
        event,
        source="t",
        declaration_id=DECLARATION,
        agency_code="4802",
        data={
            "reference": "4802-ABCDEF",
            "deadline": "2026-03-31",
            **({"sealed": KEYS.events.seal_json(sealed, DECLARATION)} if sealed else {}),
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
    await world.submitted(FIELDS, send_email_copy=True)
    event = status(Event.AWAITING_VERIFICATION)

    await mail_declaration_copy(event, deps=world.deps)
    await mail_declaration_copy(event, deps=world.deps)  # a redelivery

    [mail] = world.mailer.sent
    assert mail["To"] == "huong@example.com"
    assert mail["Message-ID"] == f"<copy.{DECLARATION}@vssid.local>"
    [pdf] = list(mail.iter_attachments())
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


async def test_the_recipient_is_kept_sealed_and_only_as_much_as_the_mails_need() -> None:
    world = World()
    await world.submitted(FIELDS, send_email_copy=False)
    [record] = world.recipients.records.values()
    assert "Hưởng" not in str(record)  # nothing personal in clear
    kept = KEYS.records.open_json(record["sealed"], DECLARATION)
    assert kept == {k: FIELDS[k] for k in ("full_name", "email", "social_insurance_number")}
    assert record["agency"]["code"] == "4802"
    assert record["submitted_at"] == START
    assert record["kept_at"] == START

    await world.submitted({**FIELDS, "email": None}, send_email_copy=True)
    assert world.recipients.records[DECLARATION]["sealed"] is None  # no address: nothing kept


async def test_no_copy_unless_asked_for_and_an_address_typed() -> None:
    world = World()
    await world.submitted(FIELDS, send_email_copy=False)
    await mail_declaration_copy(status(Event.AWAITING_VERIFICATION), deps=world.deps)
    await world.submitted({**FIELDS, "email": None}, send_email_copy=True)
    await mail_declaration_copy(status(Event.AWAITING_VERIFICATION), deps=world.deps)
    assert world.mailer.sent == []
    assert world.deliveries.records == {}


async def test_a_status_event_before_its_submitted_is_retried_not_dropped() -> None:
    world = World()
    with pytest.raises(RecipientUnknownError):
        await mail_status(status(Event.EXPIRING), deps=world.deps)
    assert world.deliveries.records == {}


async def test_an_event_from_before_the_slimming_still_carries_its_recipient() -> None:
    world = World()
    legacy = status(
        Event.AWAITING_VERIFICATION,
        FIELDS,
        agency=AGENCY,
        send_email_copy=True,
        submitted_at=START.isoformat(),
    )
    await mail_declaration_copy(legacy, deps=world.deps)
    [mail] = world.mailer.sent
    assert mail["To"] == "huong@example.com"


async def test_a_rejection_mail_carries_the_reason() -> None:
    world = World()
    await world.submitted(FIELDS, send_email_copy=False)
    await mail_status(status(Event.REJECTED, {"note": "Ảnh chân dung bị mờ"}), deps=world.deps)
    [mail] = world.mailer.sent
    assert "Ảnh chân dung bị mờ" in body(mail)
    assert "Đặng Thị Ngọc Hưởng" in body(mail)
    assert [r.data.kind for r in world.receipts()] == ["rejected"]


async def test_every_status_mail_goes_once_per_kind() -> None:
    world = World()
    await world.submitted(FIELDS, send_email_copy=False)
    for event in (Event.EXPIRING, Event.EXPIRED, Event.VERIFIED):
        await mail_status(status(event, {"note": None}), deps=world.deps)
        await mail_status(status(event, {"note": None}), deps=world.deps)
    assert [r.data.kind for r in world.receipts()] == ["expiring", "expired", "verified"]
    assert len(world.mailer.sent) == 3


async def test_a_reissue_verified_mails_nobody_on_the_declarations_address() -> None:
    world = World()
    await world.submitted(FIELDS, send_email_copy=False)
    await mail_status(
        status(Event.VERIFIED, {"note": None}, reissue_password=True), deps=world.deps
    )
    assert world.mailer.sent == []


async def test_a_refused_mail_is_recorded_failed_and_not_retried() -> None:
    world = World()
    world.mailer.refuse = True
    await world.submitted(FIELDS, send_email_copy=False)
    event = status(Event.EXPIRED)
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
    await world.deliveries.begin(f"{DECLARATION}:sms_password", DECLARATION, "sms", START)
    await send_initial_password(event, deps=world.deps)
    [(_, _, key)] = world.sms.sent
    assert key == f"{DECLARATION}:sms_password"
    assert world.deliveries.records[key]["attempts"] == 2
    assert world.deliveries.records[key]["status"] == "sent"


async def test_a_reconcilers_copy_after_the_send_requeues_the_receipt_only() -> None:
    world = World()
    await world.submitted(FIELDS, send_email_copy=False)
    event = status(Event.VERIFIED, {"note": None})
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

    await deliver(status(Event.EXPIRING), "expiring", send, deps=world.deps)
    assert sent == [f"{DECLARATION}:expiring"]
    assert world.deliveries.records[f"{DECLARATION}:expiring"]["status"] == "sent"


def withdrawn(contact: dict[str, Any]) -> Envelope[Withdrawn]:
    """intake's `withdrawn`: the confirmation's contact sealed under the service key."""
    built = new_event(
        Event.WITHDRAWN,
        source="t",
        declaration_id=DECLARATION,
        agency_code="4802",
        data={
            "reference": "4802-ABCDEF",
            "agency": AGENCY,
            "withdrawn_at": START.isoformat(),
            "sealed": KEYS.events.seal_json(contact, DECLARATION),
        },
        clock=utc_now,
    )
    return parse_event(built.wire(), Withdrawn)


async def test_the_withdrawal_is_confirmed_once_and_the_recipient_forgotten() -> None:
    world = World()
    await world.submitted(FIELDS, send_email_copy=True)
    contact = {k: FIELDS[k] for k in ("full_name", "email", "social_insurance_number")}
    for _ in range(2):  # redelivered
        await mail_withdrawn(withdrawn(contact), deps=world.deps)
    [mail] = world.mailer.sent
    assert mail["To"] == "huong@example.com"
    assert mail["Message-ID"] == f"<withdrawn.{DECLARATION}@vssid.local>"
    assert "Đặng Thị Ngọc Hưởng" in body(mail)
    assert "4802-ABCDEF" in body(mail)
    assert [r.data.kind for r in world.receipts()] == ["withdrawn"]
    assert await world.recipients.get(DECLARATION) is None


async def test_a_withdrawal_without_an_address_mails_nobody() -> None:
    world = World()
    await mail_withdrawn(withdrawn({"full_name": "Đặng Thị Ngọc Hưởng"}), deps=world.deps)
    assert world.mailer.sent == []
