"""The NATS permission table: each event has one publisher, each consumer one puller."""

from __future__ import annotations

import pytest

from vssid_shared.nats_access import (
    EVENT_PUBLISHER,
    SERVICE_USERS,
    USERS,
    consumer_user,
    inbox_prefix,
    operator_permissions,
    permissions_for,
)
from vssid_shared.subjects import CONSUMERS, RPC_QR_DECODE, Event, event_filter


def test_every_event_has_exactly_one_publishing_service() -> None:
    assert set(EVENT_PUBLISHER) == set(Event)
    for event in Event:
        holders = [u for u in SERVICE_USERS if event_filter(event) in permissions_for(u).publish]
        assert holders == [EVENT_PUBLISHER[event]]


def test_each_durable_is_pulled_and_acked_by_its_owner_only() -> None:
    for consumer in CONSUMERS:
        pull = f"$JS.API.CONSUMER.MSG.NEXT.DECLARATIONS.{consumer.durable}"
        ack = f"$JS.ACK.DECLARATIONS.{consumer.durable}.>"
        owners = [u for u in SERVICE_USERS if pull in permissions_for(u).publish]
        assert owners == [consumer_user(consumer)]
        assert [u for u in SERVICE_USERS if ack in permissions_for(u).publish] == owners


def test_the_decode_subject_is_intake_to_ocr_qr_only() -> None:
    assert [u for u in USERS if RPC_QR_DECODE in permissions_for(u).publish] == ["intake"]
    assert [u for u in USERS if RPC_QR_DECODE in permissions_for(u).subscribe] == ["ocr_qr"]
    assert [u for u in USERS if permissions_for(u).allow_responses] == ["ocr_qr"]


def test_every_user_subscribes_to_its_own_inbox_only() -> None:
    for user in USERS:
        inboxes = [s for s in permissions_for(user).subscribe if s.startswith("_INBOX")]
        assert inboxes == [f"{inbox_prefix(user)}.>"]


def test_an_operator_subscribes_to_its_agency_and_publishes_nothing() -> None:
    rights = operator_permissions("4802")
    assert rights.subscribe == ("declarations.4802.>",)
    assert rights.publish == ()
    assert permissions_for("operator_4802") == rights


@pytest.mark.parametrize("agency", ["48*2", ">", "4802.>", "", "48021", "4802\n", "٤٨٠٢"])
def test_an_operator_agency_must_be_four_digits(agency: str) -> None:
    with pytest.raises(ValueError, match="4 digits"):
        operator_permissions(agency)


def test_an_unknown_user_has_no_rights() -> None:
    with pytest.raises(KeyError):
        permissions_for("mallory")
