"""The typed event contracts: same JSON on the wire, the injected clock, invalid data refused."""

from __future__ import annotations

import json

import pytest

from tests.support.clock import START, FrozenClock
from vssid_shared.contracts import (
    DATA_MODELS,
    MARK,
    AgencyCard,
    DeliveryReceipt,
    Envelope,
    InvalidMessageError,
    QrSummary,
    Scanned,
    StatusChanged,
    Submitted,
    new_event,
    parse_event,
)
from vssid_shared.reconcile import is_reconciled, marked
from vssid_shared.subjects import Event

SUBMITTED = Submitted(
    reference="4802-ABCDEF",
    submitted_at=START,
    agency=AgencyCard(code="4802", name="BHXH quận Hải Châu", phone="0236", address="Đà Nẵng"),
    send_email_copy=True,
    images={"portrait": {"file_id": "f1", "sha256": "ab" * 32, "content_type": "image/jpeg"}},
    sealed="sealed-token",
)


def test_new_event_is_stamped_by_the_injected_clock() -> None:
    event = new_event(
        Event.SUBMITTED,
        source="t",
        declaration_id="d1",
        agency_code="4802",
        data=SUBMITTED,
        clock=FrozenClock(),
    )
    assert event.time == START
    assert event.type == "vssid.declaration.submitted.v1"
    assert event.correlationid == "d1"


def test_wire_keeps_todays_spelling() -> None:
    event = new_event(
        Event.SUBMITTED,
        source="t",
        declaration_id="d1",
        agency_code="4802",
        data=SUBMITTED,
        clock=FrozenClock(),
    )
    wire = json.loads(json.dumps(event.wire()))
    # intake always wrote `isoformat()`; an unset reconcile mark is not on the wire at all.
    assert wire["data"]["submitted_at"] == START.isoformat()
    assert MARK not in wire["data"]
    assert wire["data"]["agency"]["name"] == "BHXH quận Hải Châu"
    assert wire["data"]["images"]["portrait"]["sha256"] == "ab" * 32
    assert wire["data"]["sin_findings"] == []
    assert wire["data"]["account_sealed"] is None
    parsed = parse_event(json.dumps(wire).encode(), Submitted)
    assert parsed.data == SUBMITTED
    assert isinstance(parsed, Envelope)


def test_a_reconciled_copy_keeps_its_mark_through_the_model() -> None:
    event = new_event(
        Event.SUBMITTED,
        source="t",
        declaration_id="d1",
        agency_code="4802",
        data=SUBMITTED,
        clock=FrozenClock(),
    )
    copy = marked(event, 3)
    assert is_reconciled(copy)
    assert not is_reconciled(event)
    assert parse_event(copy.wire(), Submitted).data.reconciled == 3


def test_data_missing_what_the_consumer_needs_is_invalid_not_retried() -> None:
    event = new_event(
        Event.VERIFIED,
        source="t",
        declaration_id="d1",
        agency_code="4802",
        data={"reference": "4802-ABCDEF"},  # no deadline
        clock=FrozenClock(),
    )
    with pytest.raises(InvalidMessageError):
        parse_event(event.wire(), StatusChanged)
    with pytest.raises(InvalidMessageError):
        parse_event(b"{oops", Scanned)


def test_unknown_keys_are_ignored_within_v1() -> None:
    event = new_event(
        Event.NOTIFIED,
        source="t",
        declaration_id="d1",
        agency_code="4802",
        data={"kind": "sms_password", "status": "sent", "later_addition": 1},
        clock=FrozenClock(),
    )
    assert parse_event(event.wire(), DeliveryReceipt).data.status == "sent"


def test_every_event_has_a_model() -> None:
    assert set(DATA_MODELS) == set(Event)
    assert QrSummary(found=False).model_dump(mode="json") == {"found": False}


def test_a_status_event_carries_only_what_changed() -> None:
    data = StatusChanged.model_validate({"reference": "4802-ABCDEF", "deadline": "2026-03-31"})
    event = new_event(
        Event.EXPIRING,
        source="t",
        declaration_id="d1",
        agency_code="4802",
        data=data,
        clock=FrozenClock(),
    )
    assert event.wire()["data"] == {
        "reference": "4802-ABCDEF",
        "deadline": "2026-03-31",
        "reissue_password": False,
    }
