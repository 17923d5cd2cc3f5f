"""What review's use cases need from the world, as Protocols; `adapters/` implements them
against MongoDB and GridFS, `tests/fakes.py` in memory."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal, Protocol

from vssid_review.domain.cases import CaseStatus, Operator, QueuePage
from vssid_review.domain.staff_credentials import Enrolment
from vssid_review.domain.staff_sessions import Credential, StaffSession, StaffSessionPolicy
from vssid_shared.clock import Clock
from vssid_shared.crypto import Keys
from vssid_shared.doc import Doc
from vssid_shared.envelope import CloudEvent
from vssid_shared.retention import Retention

# What a stuck case waits for (a receipt of the notifier's): its declaration copy, its deadline
# reminder, a verified case's password SMS and mail, a rejected or expired case's mail.
StuckKind = Literal["copy", "expiring", "verified", "rejected", "expired"]


class Cases(Protocol):
    """Cases with conditional transitions and their outbox in one document; the audit trail
    and the delivery receipts beside them, by case."""

    async def open(self, case: Doc, event: CloudEvent) -> bool: ...
    async def get(self, case_id: str, agency_code: str) -> Doc | None: ...
    async def by_reference(self, reference: str, agency_code: str) -> Doc | None: ...
    async def queue(
        self,
        agency_code: str,
        status: str | None,
        *,
        limit: int,
        after: str | None,
        with_findings: bool = False,
        due_by: date | None = None,
    ) -> QueuePage: ...
    async def search(
        self,
        agency_code: str,
        status: str | None,
        *,
        reference: str,
        hashes: dict[str, str],
        limit: int,
        after: str | None,
        with_findings: bool = False,
        due_by: date | None = None,
    ) -> QueuePage: ...
    async def decide(
        self, case_id: str, agency_code: str, status: CaseStatus, event: CloudEvent
    ) -> bool: ...
    async def audit(self, case_id: str, entry: Doc, *, entry_id: str | None = None) -> None: ...
    async def delivered(self, case_id: str, receipt: Doc) -> None: ...
    async def has_receipt(self, case_id: str, action: str) -> bool: ...
    async def decision(self, case_id: str) -> Doc | None: ...
    async def history(self, case_id: str) -> list[Doc]: ...
    async def mark_account_held(self, case_id: str, reason: str | None) -> None: ...
    async def others_with_id_number(self, id_number_hash: str, case_id: str) -> list[Doc]: ...
    async def others_with_images(
        self, hashes: list[str], case_id: str, limit: int = 20
    ) -> list[Doc]: ...
    async def open_with_deadline(self, *, first: str | None, last: str) -> list[Doc]: ...
    async def claim_reminder(self, case_id: str, event: CloudEvent, now: datetime) -> bool: ...
    async def claim_expiry(self, case_id: str, event: CloudEvent, now: datetime) -> bool: ...
    async def photos_to_purge(self, closed_before: datetime) -> list[Doc]: ...
    async def mark_images_purged(self, case_id: str) -> bool: ...
    async def awaiting(self, case_id: str) -> Doc | None: ...
    async def requeue(self, case_id: str, event: CloudEvent) -> bool: ...
    async def withdraw(self, case_id: str, at: datetime) -> bool: ...
    async def closed_unshredded(
        self, status: CaseStatus, decided_before: datetime
    ) -> list[Doc]: ...
    async def mark_shredded(self, case_id: str, now: datetime) -> bool: ...
    async def expire_records(self, audit_before: datetime, deliveries_before: datetime) -> int: ...
    async def stuck(
        self, kind: StuckKind, now: datetime, after_seconds: float, max_attempts: int
    ) -> list[Doc]: ...
    async def claim_resend(
        self,
        kind: StuckKind,
        case_id: str,
        event: CloudEvent,
        now: datetime,
        after_seconds: float,
        max_attempts: int,
    ) -> bool: ...


class Operators(Protocol):
    """Office operators: bearer tokens stored hashed, each bound to one agency."""

    async def by_token(self, token: str) -> Operator | None: ...
    async def active(self, operator_id: str) -> Operator | None: ...
    async def is_active(self, operator_id: str) -> bool:
        """False too when the store cannot answer: a caller fails closed."""
        ...

    async def add(self, name: str, agency_code: str, now: datetime) -> tuple[Operator, str]: ...
    async def list(self) -> list[Doc]: ...
    async def disable(self, operator_id: str) -> bool: ...
    async def ensure_indexes(self) -> None: ...


class StaffCredentials(Protocol):
    """Operators' sign-in fields (login, argon2id hash, sealed TOTP secret, last TOTP step)."""

    async def by_login(self, login: str) -> Credential | None: ...
    def totp_secret(self, credential: Credential) -> str: ...
    async def use_step(self, operator_id: str, step: int) -> bool: ...
    async def login_taken(self, login: str) -> bool: ...
    async def enrol(self, operator_id: str, login: str) -> Enrolment: ...
    async def ensure_indexes(self) -> None: ...


class StaffSessions(Protocol):
    """Server-side staff sessions by cookie value (stored hashed), idle and absolute ends."""

    async def open(self, operator_id: str, now: datetime) -> tuple[str, StaffSession]: ...
    async def current(self, session_id: str, now: datetime) -> StaffSession | None: ...
    async def close(self, session_id: str) -> None: ...
    async def close_all(self, operator_id: str) -> int: ...


class SignInAttempts(Protocol):
    """Failed staff sign-ins counted per login and per client address, in a window."""

    async def retry_after(self, login: str, client: str, now: datetime) -> int | None: ...
    async def failed(self, login: str, client: str, now: datetime) -> None: ...
    async def succeeded(self, login: str) -> None: ...


@dataclass(frozen=True)
class FeedItem:
    """One event of an agency's live feed: its stream sequence (the SSE id) and its bytes."""

    seq: int
    body: bytes


class FeedSubscription(Protocol):
    async def next(self, wait_seconds: float) -> FeedItem | None: ...
    async def close(self) -> None: ...


class EventFeed(Protocol):
    """One agency's events as they are published (and from a sequence on, to resume)."""

    async def connect(self) -> None: ...
    async def subscribe(
        self, agency: str, after_seq: int | None, *, only_new: bool
    ) -> FeedSubscription: ...


class ImageStore(Protocol):
    """The declaration photos intake stored (review reads them; deletes when retention ends)."""

    async def put(
        self, declaration_id: str, kind: str, data: bytes, meta: dict[str, Any]
    ) -> str: ...
    async def get(self, file_id: str, declaration_id: str, kind: str) -> bytes: ...
    async def delete(self, file_id: str) -> None: ...


CASES = "cases"  # the outbox collection of cases (see `Outbox.kick_first`)


class Outbox(Protocol):
    """Events are written with the state change; `kick` tells the relay to send them now."""

    def kick(self) -> None: ...
    def kick_first(self, collection: str, doc_id: Any, events: Sequence[CloudEvent]) -> None:
        """After an insert that created the document with these events as its whole outbox:
        they are sent without the relay reading them back."""


@dataclass(frozen=True)
class SweepPolicy:
    reminder_days_before: int
    interval_seconds: float
    image_retention_days: int
    reconcile_after_seconds: float
    reconcile_max_attempts: int
    retention: Retention | None = None  # closed cases' data keys destroyed at retention end


@dataclass
class Deps:
    """Everything review's use cases are given."""

    cases: Cases
    images: ImageStore
    outbox: Outbox
    keys: Keys
    clock: Clock
    visit_window_days: int


@dataclass
class StaffDeps:
    """Everything the staff sign-in use cases are given."""

    operators: Operators
    credentials: StaffCredentials
    sessions: StaffSessions
    attempts: SignInAttempts
    clock: Clock
    policy: StaffSessionPolicy
