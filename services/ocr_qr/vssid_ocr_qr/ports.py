"""What ocr_qr's use cases need from the world, as Protocols (adapters and fakes fit them)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from vssid_shared.clock import Clock
from vssid_shared.contracts import CloudEvent
from vssid_shared.crypto import Sealer


class ScanRepository(Protocol):
    """One scan record per declaration, holding its `scanned` event in an outbox."""

    async def exists(self, declaration_id: str) -> bool: ...

    async def sight_all(
        self, hashes: list[str], declaration_id: str, reference: str | None
    ) -> None:
        """Notes that this declaration carries each of these photos (idempotent)."""
        ...

    async def references_by_image(
        self, hashes: list[str], declaration_id: str
    ) -> dict[str, list[str]]:
        """Per photo hash seen with other declarations, their references."""
        ...

    async def record(
        self, declaration_id: str, summary: dict[str, Any], event: CloudEvent, now: datetime
    ) -> bool:
        """False when another copy of the message recorded it first."""
        ...

    async def stored_event(self, declaration_id: str) -> dict[str, Any] | None: ...

    async def requeue(self, declaration_id: str, event: CloudEvent) -> bool: ...


class PhotoStore(Protocol):
    """The submitted photos (GridFS, encrypted at rest); raises ImageNotFoundError."""

    async def get(self, file_id: str, declaration_id: str, kind: str) -> bytes: ...

    async def get_all(self, declaration_id: str, file_ids: Mapping[str, str]) -> dict[str, bytes]:
        """A declaration's photos, kind → file id, in one round trip (issue 13)."""
        ...


SCANS = "scans"  # the outbox collection of scans (see `Outbox.kick_first`)


class Outbox(Protocol):
    def kick(self) -> None:
        """Events were queued: publish them now rather than at the next poll."""
        ...

    def kick_first(self, collection: str, doc_id: Any, events: Sequence[CloudEvent]) -> None:
        """After an insert that created the document with these events as its whole outbox:
        they are sent without the relay reading them back."""
        ...


# A photo's quality findings and, when asked, its card QR (run in a process pool).
InspectPhoto = Callable[[str, bytes, bool], Awaitable[dict[str, Any]]]
# Autofill: one photo's QR, given up after the deadline (Unix time).
DecodePhoto = Callable[[bytes, float | None], Awaitable[dict[str, Any] | None]]


@dataclass(frozen=True)
class ScanDeps:
    scans: ScanRepository
    photos: PhotoStore
    sealer: Sealer
    outbox: Outbox
    clock: Clock
    inspect: InspectPhoto


@dataclass(frozen=True)
class DecodeDeps:
    uploads: PhotoStore
    decode: DecodePhoto


__all__ = [
    "Clock",
    "DecodeDeps",
    "DecodePhoto",
    "InspectPhoto",
    "Outbox",
    "PhotoStore",
    "ScanDeps",
    "ScanRepository",
]
