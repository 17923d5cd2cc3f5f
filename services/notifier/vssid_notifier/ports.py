"""What the notifier's use cases need from the world, as Protocols (adapters and fakes)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any, Protocol

from vssid_notifier.domain.copy_model import DeclarationCopy
from vssid_shared.clock import Clock
from vssid_shared.contracts import CloudEvent
from vssid_shared.crypto import Sealer
from vssid_shared.outbox_record import Queued


class DeliveryRepository(Protocol):
    """One record per (declaration, kind) and its receipt in an outbox.

    Writes raise RecordNotWrittenError when the store is unreachable.
    """

    async def begin(
        self, key: str, declaration_id: str, kind: str, now: datetime
    ) -> dict[str, Any] | None:
        """Record an attempt (status `sending`, `attempts` + 1) unless the delivery is done
        (`sent` or `failed`), in one round trip when it is the first. None for a first
        attempt; else the record as it stands: `sending` with this attempt counted (an
        earlier one's outcome is unknown), or the done one, left unchanged."""
        ...

    async def requeue(self, key: str, event: CloudEvent) -> None: ...

    async def finish(
        self, key: str, status: str, now: datetime, event: CloudEvent, error: str | None = None
    ) -> Queued: ...


class RecipientRepository(Protocol):
    """What the notifier kept from `submitted`, by declaration id."""

    async def keep(self, declaration_id: str, record: dict[str, Any]) -> None: ...

    async def get(self, declaration_id: str) -> dict[str, Any] | None: ...

    async def forget(self, declaration_id: str) -> None: ...


class Mailer(Protocol):
    async def send(self, message: EmailMessage) -> None:
        """Raises PermanentDeliveryError for a refusal no retry changes."""
        ...


class SmsGateway(Protocol):
    async def send(self, to: str, text: str, key: str) -> None:
        """Send once per `key`: a retry with the same key must not become a second SMS."""
        ...


DELIVERIES = "deliveries"  # the outbox collection of delivery records (receipts)


class Outbox(Protocol):
    def kick(self) -> None:
        """Events were queued: publish them now rather than at the next poll."""
        ...

    def kick_queued(
        self, collection: str, doc_id: Any, events: Sequence[CloudEvent], queued: Queued
    ) -> None:
        """What `update_queuing` queued: sent unread when it was the first, else found."""
        ...


class CopyRenderer(Protocol):
    """The declaration copy as PDF bytes (`adapters/pdf`); identical input, identical bytes."""

    def __call__(self, copy: DeclarationCopy, *, locale: str) -> bytes: ...


@dataclass(frozen=True)
class NotifyDeps:
    deliveries: DeliveryRepository
    recipients: RecipientRepository
    mailer: Mailer
    sms: SmsGateway
    events: Sealer  # opens what review sealed for the mails
    passwords: Sealer  # opens the initial password intake sealed for the notifier alone
    records: Sealer  # seals what the notifier keeps at rest (the recipients)
    outbox: Outbox
    clock: Clock
    sender: str
    locale: str
    render_copy: CopyRenderer
    # How long a finished send's record is retried before the message is left to redelivery.
    record_retry_seconds: float = 600.0


__all__ = [
    "Clock",
    "CopyRenderer",
    "DeliveryRepository",
    "Mailer",
    "NotifyDeps",
    "Outbox",
    "RecipientRepository",
    "SmsGateway",
]
