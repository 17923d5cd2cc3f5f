"""What intake's use cases need from the world, as Protocols; `adapters/` implements them
against MongoDB, GridFS, NATS and argon2 threads, `tests/fakes.py` in memory."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol, TypeVar

from vssid_intake.domain.agencies import AgencyCatalog
from vssid_intake.domain.consent import ConsentCatalog
from vssid_intake.domain.login_policy import Attempt
from vssid_intake.domain.registry import InsuredPerson
from vssid_intake.domain.statuses import Status
from vssid_shared.clock import Clock, vn_date
from vssid_shared.crypto import KeyedHasher, Keys
from vssid_shared.doc import Doc
from vssid_shared.envelope import CloudEvent
from vssid_shared.outbox_record import Queued
from vssid_shared.retention import Retention

T = TypeVar("T")
DECLARATIONS = "declarations"  # the outbox collection of declarations (see `Outbox.kick`)


class Declarations(Protocol):
    """Declarations with their fields sealed at rest; status and outbox in one document."""

    def open_fields(self, doc: Doc) -> dict[str, Any]: ...
    def open_enrichment(self, doc: Doc) -> dict[str, Any] | None: ...
    async def create(
        self, declaration_id: str, token_hash: str, fields: dict[str, Any], now: datetime
    ) -> Doc: ...
    async def get(self, declaration_id: str) -> Doc | None: ...
    async def save_fields(
        self, declaration_id: str, fields: dict[str, Any], now: datetime, *, seen: Doc | None = None
    ) -> Doc | None: ...
    async def set_image(
        self,
        declaration_id: str,
        kind: str,
        meta: dict[str, Any],
        now: datetime,
        *,
        seen: Doc | None = None,
    ) -> Doc | None: ...
    async def submit(
        self, declaration_id: str, *, reference: str, key_hash: str | None, event: CloudEvent
    ) -> Queued: ...
    async def record_event(
        self,
        declaration_id: str,
        event_id: str,
        entry: Doc,
        extra: Doc | None = None,
        *,
        once_per_status: bool = False,
    ) -> None: ...
    async def set_enrichment(
        self, declaration_id: str, enrichment: dict[str, Any]
    ) -> Doc | None: ...
    async def hold_status(
        self, declaration_id: str, event_id: str, entry: Doc, extra: Doc | None = None
    ) -> bool: ...
    async def apply_held(self, declaration_id: str, held: Doc) -> bool: ...
    async def advance(
        self, declaration_id: str, status: Status, predecessors: tuple[Status, ...]
    ) -> None: ...
    async def move_on(
        self,
        declaration_id: str,
        event_id: str,
        entry: Doc,
        predecessors: tuple[Status, ...],
        *,
        scanned: bool = False,
        extra: Doc | None = None,
    ) -> bool: ...
    async def hold_account(self, declaration_id: str, event: CloudEvent) -> bool: ...
    async def delete_draft(self, declaration_id: str) -> bool: ...
    async def withdraw(self, declaration_id: str, event: CloudEvent, now: datetime) -> bool: ...
    async def stale_drafts(self, edited_before: datetime) -> list[Doc]: ...
    async def delete_stale_draft(self, declaration_id: str, updated_at: datetime) -> bool: ...
    async def stuck_submitted(
        self, now: datetime, after_seconds: float, max_attempts: int
    ) -> list[Doc]: ...
    async def claim_resend(
        self,
        declaration_id: str,
        event: CloudEvent,
        now: datetime,
        after_seconds: float,
        max_attempts: int,
    ) -> bool: ...


class Accounts(Protocol):
    """Accounts keyed by a keyed hash of the social-insurance number (`key(sin)`)."""

    def key(self, sin: str) -> str: ...
    async def get(self, key: str) -> Doc | None: ...
    async def activate(
        self, sin: str, declaration_id: str, password_hash: str, event: CloudEvent, now: datetime
    ) -> bool: ...
    async def reissue(
        self,
        sin: str,
        declaration_id: str,
        contact_from: str,
        password_hash: str,
        event: CloudEvent,
        now: datetime,
    ) -> bool: ...
    async def activation_event(self, key: str, declaration_id: str) -> Doc | None: ...
    async def requeue(self, key: str, declaration_id: str, event: CloudEvent) -> bool: ...
    async def record_login(self, key: str, now: datetime) -> None: ...
    async def set_password(self, key: str, password_hash: str, now: datetime) -> None: ...


class Sessions(Protocol):
    async def open(self, token_hash: str, account: str, now: datetime) -> datetime: ...
    async def touch(self, token_hash: str, now: datetime) -> Doc | None: ...
    async def close(self, token_hash: str) -> None: ...
    async def revoke_all(self, account: str) -> int: ...


class Registry(Protocol):
    """The insured-persons registry: sealed rows found by a keyed hash of the match key."""

    async def find(self, material: str, limit: int = 5) -> list[dict[str, Any]]: ...
    async def by_number(self, social_insurance_number: str) -> dict[str, Any] | None: ...
    async def upsert_many(self, people: list[InsuredPerson]) -> int: ...
    async def ensure_indexes(self) -> None: ...


class ImageStore(Protocol):
    """Photos, encrypted at rest, by declaration and kind."""

    async def put(
        self, declaration_id: str, kind: str, data: bytes, meta: dict[str, Any]
    ) -> str: ...
    async def get(self, file_id: str, declaration_id: str, kind: str) -> bytes: ...
    async def delete(self, file_id: str) -> None: ...


class Outbox(Protocol):
    """Events are written with the state change; `kick` tells the relay to send them now
    (naming the collection written, `DECLARATIONS` say, spares it a look at the others)."""

    def kick(self, collection: str | None = None) -> None: ...
    def kick_queued(
        self, collection: str, doc_id: Any, events: Sequence[CloudEvent], queued: Queued
    ) -> None: ...


class LoginLimits(Protocol):
    async def reserve(self, login_id: str, client: str) -> Attempt: ...
    async def refund(self, attempt: Attempt) -> None: ...
    async def succeeded(self, attempt: Attempt) -> None: ...


class PasswordWork(Protocol):
    """Bounded argon2 work: `run` raises HashingBusyError when the line is full."""

    def has_room(self) -> bool: ...
    async def run(self, work: Callable[..., T], *args: Any) -> T: ...


class QrDecoder(Protocol):
    """Asks an ocr_qr worker to read a QR: `{"kind", "fields"}`, or QrDecodeError."""

    async def ask(
        self, request: dict[str, Any] | bytes, headers: dict[str, str] | None = None
    ) -> dict[str, Any]: ...


class RateLimit(Protocol):
    async def allow(self, client: str) -> bool: ...


class AgencySource(Protocol):
    """The imported agency catalog, when one was imported."""

    async def load(self) -> AgencyCatalog | None: ...
    async def save(self, catalog: AgencyCatalog, now: datetime) -> None: ...


@dataclass(frozen=True)
class Limits:
    """Upload and decode limits from settings."""

    max_image_bytes: int
    max_image_pixels: int
    decode_max_pixels: int
    qr_inline_max_bytes: int


@dataclass(frozen=True)
class ReconcilePolicy:
    after_seconds: float
    interval_seconds: float
    max_attempts: int
    retention: Retention | None = None  # drafts never submitted go in this loop too


@dataclass
class Deps:
    """Everything intake's use cases are given: ports, keys, clock and limits.

    `agencies` is replaced when an imported catalog is read again (see `refresh_agencies`)."""

    declarations: Declarations
    accounts: Accounts
    sessions: Sessions
    registry: Registry
    images: ImageStore
    outbox: Outbox
    login_limits: LoginLimits
    password_work: PasswordWork
    qr_decoder: QrDecoder
    agencies: AgencyCatalog
    keys: Keys
    clock: Clock
    limits: Limits
    consents: ConsentCatalog = field(default_factory=ConsentCatalog.load)

    @property
    def lookup(self) -> KeyedHasher:
        return self.keys.lookup

    def today(self) -> date:
        """Today in Vietnam, by the injected clock."""
        return vn_date(self.clock())
