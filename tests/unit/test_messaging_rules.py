"""Retry delays, subjects and the envelope: the rules the plumbing follows."""

from __future__ import annotations

import pytest

from vssid_shared.clock import utc_now
from vssid_shared.envelope import CloudEvent, new_event
from vssid_shared.messaging import InvalidMessageError, parse_event, retry_delay
from vssid_shared.subjects import CONSUMERS, Event, subject_for


def test_retry_delay_grows_and_is_capped() -> None:
    delays = [retry_delay(n) for n in range(1, 9)]
    assert delays == sorted(delays)
    assert delays[0] == 1.0
    assert max(delays) <= 30.0


def test_event_subject_and_type() -> None:
    event = new_event(
        Event.SUBMITTED, source="t", declaration_id="d1", agency_code="4802", data={}, clock=utc_now
    )
    assert (
        event.nats_subject == subject_for("4802", Event.SUBMITTED) == "declarations.4802.submitted"
    )
    assert event.type == "vssid.declaration.submitted.v1"
    assert event.event is Event.SUBMITTED


def test_envelope_round_trips_and_ignores_unknown_fields() -> None:
    event = new_event(
        Event.VERIFIED,
        source="t",
        declaration_id="d1",
        agency_code="4802",
        data={"reference": "4802-ABCDEF"},
        clock=utc_now,
    )
    raw = event.model_dump_json()[:-1] + ', "future_field": 1}'
    assert parse_event(raw.encode()) == event
    assert isinstance(parse_event(raw.encode()), CloudEvent)


def test_garbage_is_an_invalid_message() -> None:
    with pytest.raises(InvalidMessageError):
        parse_event(b"not json")


def test_durable_names_are_unique() -> None:
    names = [c.durable for c in CONSUMERS]
    assert len(names) == len(set(names))
