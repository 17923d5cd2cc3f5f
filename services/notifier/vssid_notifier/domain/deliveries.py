"""Delivery rules: one key per (declaration, kind), and the receipt review files."""

from __future__ import annotations

from typing import Any

from vssid_notifier.domain.mails import MailKind
from vssid_shared.clock import Clock
from vssid_shared.contracts import CloudEvent, DeliveryReceipt, Envelope, new_event
from vssid_shared.subjects import Event

SOURCE = "vssid/notifier"
DONE = ("sent", "failed")


def delivery_key(declaration_id: str, kind: str) -> str:
    """The record's id and the Idempotency-Key of every attempt: one per (declaration, kind)."""
    return f"{declaration_id}:{kind}"


def receipt_event(
    event: Envelope[Any], kind: str, outcome: dict[str, Any], clock: Clock
) -> CloudEvent:
    """`copy_mailed` or `notified`: what review puts in the case's audit."""
    done = Event.COPY_MAILED if kind == MailKind.COPY else Event.NOTIFIED
    return new_event(
        done,
        source=SOURCE,
        declaration_id=event.subject,
        agency_code=event.agency,
        data=DeliveryReceipt(
            reference=getattr(event.data, "reference", None),
            kind=kind,
            status=outcome["status"],
            error=outcome.get("error"),
        ),
        clock=clock,
        correlation_id=event.correlationid,
    )
