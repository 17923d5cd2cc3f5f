"""Stream, subject and consumer names: the one place they are spelled."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

STREAM = "DECLARATIONS"
# A mirror of STREAM (same messages, same sequence numbers) for readers: the staff SSE stream and
# the tools create their ephemeral consumers here, so that right cannot touch (or redefine) the
# services' durable consumers on STREAM.
VIEW_STREAM = "DECLARATIONS_VIEW"
DEADLETTER_STREAM = "DEADLETTER"
SUBJECT_PREFIX = "declarations"
EVENT_TYPE_PREFIX = "vssid.declaration"
MAX_DELIVER = 8
ACK_WAIT_SECONDS = 60.0
DUPLICATE_WINDOW_SECONDS = 600.0


class Event(StrEnum):
    """Events in a declaration's life; the subject suffix of each."""

    SUBMITTED = "submitted"
    SCANNED = "scanned"
    AWAITING_VERIFICATION = "awaiting_verification"
    VERIFIED = "verified"
    REJECTED = "rejected"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    ACCOUNT_ACTIVATED = "account_activated"
    # intake verified a declaration but left an existing active account's password alone.
    ACCOUNT_HELD = "account_held"
    # The applicant's DELETE of a submitted declaration (CONTRACT §3, issue 15).
    WITHDRAWN = "withdrawn"
    COPY_MAILED = "copy_mailed"
    NOTIFIED = "notified"


def subject_for(agency_code: str, event: Event) -> str:
    return f"{SUBJECT_PREFIX}.{agency_code}.{event.value}"


def agency_filter(agency_code: str) -> str:
    return f"{SUBJECT_PREFIX}.{agency_code}.>"


def event_filter(event: Event) -> str:
    return f"{SUBJECT_PREFIX}.*.{event.value}"


def event_type(event: Event, version: int = 1) -> str:
    return f"{EVENT_TYPE_PREFIX}.{event.value}.v{version}"


def deadletter_subjects() -> list[str]:
    """JetStream advisories that say a message of ours was given up on."""
    base = "$JS.EVENT.ADVISORY.CONSUMER"
    return [f"{base}.MAX_DELIVERIES.{STREAM}.*", f"{base}.MSG_TERMINATED.{STREAM}.*"]


@dataclass(frozen=True)
class Consumer:
    """A durable pull consumer: one per (service, event), declared by bootstrap only."""

    service: str
    event: Event

    @property
    def durable(self) -> str:
        return f"{self.service}-{self.event.value}"

    @property
    def filter_subject(self) -> str:
        return event_filter(self.event)


CONSUMERS: tuple[Consumer, ...] = (
    Consumer("ocr_qr", Event.SUBMITTED),
    Consumer("review", Event.SCANNED),
    Consumer("review", Event.COPY_MAILED),
    Consumer("review", Event.NOTIFIED),
    Consumer("review", Event.ACCOUNT_HELD),
    Consumer("intake", Event.SCANNED),
    Consumer("intake", Event.AWAITING_VERIFICATION),
    Consumer("intake", Event.VERIFIED),
    Consumer("intake", Event.REJECTED),
    Consumer("intake", Event.EXPIRED),
    # A second durable on `verified`: account activation acks apart from the timeline.
    Consumer("intake_accounts", Event.VERIFIED),
    # The notifier keeps the recipient (sealed) from `submitted`: the status events after it
    # carry no declaration, only what changed.
    Consumer("notifier", Event.SUBMITTED),
    Consumer("notifier", Event.AWAITING_VERIFICATION),
    Consumer("notifier", Event.VERIFIED),
    Consumer("notifier", Event.REJECTED),
    Consumer("notifier", Event.EXPIRING),
    Consumer("notifier", Event.EXPIRED),
    Consumer("notifier", Event.ACCOUNT_ACTIVATED),
    Consumer("review", Event.WITHDRAWN),
    Consumer("notifier", Event.WITHDRAWN),
)


def consumer(service: str, event: Event) -> Consumer:
    found = Consumer(service, event)
    if found not in CONSUMERS:
        raise KeyError(f"no consumer declared for {service}/{event}")
    return found


# Request/reply (core NATS, not stored): intake's autofill asks ocr_qr to decode a QR.
RPC_QR_DECODE = "vssid.rpc.qr.decode"
RPC_QR_QUEUE = "ocr_qr"
QR_UPLOAD_KIND = "qr_upload"
# A photo small enough for one NATS message travels inline, marked by this header; larger ones
# go by claim-check through GridFS (the default NATS max_payload is 1 MiB).
RPC_INLINE_PHOTO_HEADER = "Vssid-Inline-Photo"
# Unix time after which nobody waits for the decode's answer: the worker skips it then.
RPC_DEADLINE_HEADER = "Vssid-Deadline"
