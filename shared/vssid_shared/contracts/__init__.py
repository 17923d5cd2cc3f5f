"""The events between the services: a generic CloudEvents envelope and one model per event."""

from vssid_shared.contracts.data import (
    DATA_MODELS,
    AccountActivated,
    AccountHeld,
    AgencyCard,
    DeliveryReceipt,
    EventData,
    FindingData,
    ImageRef,
    QrSummary,
    Scanned,
    StatusChanged,
    Submitted,
    Withdrawn,
)
from vssid_shared.contracts.envelope import MARK, CloudEvent, Envelope, new_event, wire_data
from vssid_shared.contracts.parse import InvalidMessageError, parse_event, typed

__all__ = [
    "DATA_MODELS",
    "MARK",
    "AccountActivated",
    "AccountHeld",
    "AgencyCard",
    "CloudEvent",
    "DeliveryReceipt",
    "Envelope",
    "EventData",
    "FindingData",
    "ImageRef",
    "InvalidMessageError",
    "QrSummary",
    "Scanned",
    "StatusChanged",
    "Submitted",
    "Withdrawn",
    "new_event",
    "parse_event",
    "typed",
    "wire_data",
]
