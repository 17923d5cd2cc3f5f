"""Which `submitted` ocr_qr scans without asking whether it was scanned already (issue 13):
a first JetStream delivery only; anything it cannot tell is treated as a redelivery."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

from vssid_ocr_qr.entrypoints.worker import delivered_once
from vssid_shared.messaging import Message


class NotJetStream:
    @property
    def metadata(self) -> Any:
        raise ValueError("not a JetStream message")  # what nats-py does for a core message


def message(raw: object) -> Message:
    return cast(Message, SimpleNamespace(raw_message=raw))


def delivered(n: int | None) -> Message:
    return message(SimpleNamespace(metadata=SimpleNamespace(num_delivered=n)))


def test_only_a_first_jetstream_delivery_skips_the_check() -> None:
    assert delivered_once(delivered(1))
    assert not delivered_once(delivered(2))
    assert not delivered_once(delivered(None))
    assert not delivered_once(message(NotJetStream()))
    assert not delivered_once(message(SimpleNamespace()))
