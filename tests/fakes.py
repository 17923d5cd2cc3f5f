"""In-memory stand-ins for the ports, for unit tests of use cases (no MongoDB, no NATS).

Each fake keeps what was done to it in plain attributes, so a test asserts on behaviour.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from vssid_notifier.domain.errors import PermanentDeliveryError, RecordNotWrittenError
from vssid_shared.contracts import CloudEvent
from vssid_shared.images import ImageNotFoundError

# ---------------------------------------------------------------------------------------------
# ocr_qr and notifier (h3): fakes of vssid_ocr_qr.ports and vssid_notifier.ports
# ---------------------------------------------------------------------------------------------
# (imports above are this section's; the classes below are ordered by port)


@dataclass
class FakeOutbox:
    kicks: int = 0

    def kick(self) -> None:
        self.kicks += 1


@dataclass
class FakePhotos:
    """Photos by file id, as the submit stored them (bound to their declaration and kind)."""

    files: dict[str, tuple[str, str, bytes]] = field(default_factory=dict)

    def put(self, declaration_id: str, kind: str, data: bytes) -> dict[str, str]:
        """Store a photo; the `images` entry of `submitted` that points at it."""
        file_id = f"f{len(self.files) + 1}"
        self.files[file_id] = (declaration_id, kind, data)
        return {
            "file_id": file_id,
            "sha256": hashlib.sha256(data).hexdigest(),
            "content_type": "image/jpeg",
        }

    async def get(self, file_id: str, declaration_id: str, kind: str) -> bytes:
        found = self.files.get(file_id)
        if found is None or found[:2] != (declaration_id, kind):
            raise ImageNotFoundError(file_id)
        return found[2]


@dataclass
class FakeScans:
    """Scan records with their outbox, and the sightings of photo hashes."""

    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    sightings: dict[str, dict[str, str | None]] = field(default_factory=dict)

    async def exists(self, declaration_id: str) -> bool:
        return declaration_id in self.records

    async def sight(self, sha256: str, declaration_id: str, reference: str | None) -> None:
        self.sightings[f"{sha256}:{declaration_id}"] = {"sha256": sha256, "reference": reference}

    async def references_with_images(self, hashes: list[str], declaration_id: str) -> list[str]:
        return sorted(
            {
                str(seen["reference"])
                for key, seen in self.sightings.items()
                if seen["sha256"] in hashes
                and not key.endswith(f":{declaration_id}")
                and seen["reference"]
            }
        )

    async def record(
        self, declaration_id: str, summary: dict[str, Any], event: CloudEvent, now: datetime
    ) -> bool:
        if declaration_id in self.records:
            return False
        stored = event.wire()
        self.records[declaration_id] = {
            **summary,
            "created_at": now,
            "scanned_event": stored,
            "pending": [stored],
        }
        return True

    async def stored_event(self, declaration_id: str) -> dict[str, Any] | None:
        found: dict[str, Any] | None = self.records.get(declaration_id, {}).get("scanned_event")
        return found

    async def requeue(self, declaration_id: str, event: CloudEvent) -> bool:
        if declaration_id not in self.records:
            return False
        self.records[declaration_id]["pending"].append(event.wire())
        return True


@dataclass
class FakeInspector:
    """The decode pool: what each photo kind shows (default: clean, no QR), and who asked."""

    seen: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[tuple[str, bool]] = field(default_factory=list)

    async def __call__(self, kind: str, data: bytes, want_qr: bool) -> dict[str, Any]:
        self.calls.append((kind, want_qr))
        found = self.seen.get(kind, {"findings": [], "card": None, "rejected": []})
        return {**found, "card": found.get("card") if want_qr else None}


@dataclass
class FakeDecoder:
    """Autofill's decode pool: one canned answer, and the photos it was given."""

    answer: dict[str, Any] | None = None
    photos: list[bytes] = field(default_factory=list)

    async def __call__(self, data: bytes, deadline: float | None) -> dict[str, Any] | None:
        self.photos.append(data)
        return self.answer


@dataclass
class FakeDeliveries:
    """Delivery records by key, with their receipts; `unwritable` finishes fail first."""

    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    unwritable: int = 0

    async def get(self, key: str) -> dict[str, Any] | None:
        return self.records.get(key)

    async def requeue(self, key: str, event: CloudEvent) -> None:
        self.records[key]["pending"].append(event.wire())

    async def attempt(self, key: str, declaration_id: str, kind: str, now: datetime) -> None:
        record = self.records.setdefault(
            key, {"declaration_id": declaration_id, "kind": kind, "attempts": 0, "pending": []}
        )
        record.update(status="sending", updated_at=now)
        record["attempts"] += 1

    async def finish(
        self, key: str, status: str, now: datetime, event: CloudEvent, error: str | None = None
    ) -> None:
        if self.unwritable:
            self.unwritable -= 1
            raise RecordNotWrittenError("AutoReconnect")
        record = self.records[key]
        if record["status"] == "sending":
            record.update(status=status, updated_at=now, error=error)
            record["pending"].append(event.wire())

    def receipts(self) -> list[dict[str, Any]]:
        return [event for record in self.records.values() for event in record["pending"]]


@dataclass
class FakeMailer:
    sent: list[EmailMessage] = field(default_factory=list)
    refuse: bool = False

    async def send(self, message: EmailMessage) -> None:
        if self.refuse:
            raise PermanentDeliveryError("recipient refused")
        self.sent.append(message)


@dataclass
class FakeSms:
    sent: list[tuple[str, str, str]] = field(default_factory=list)

    async def send(self, to: str, text: str, key: str) -> None:
        self.sent.append((to, text, key))


@dataclass
class FakeRecipients:
    records: dict[str, dict[str, Any]] = field(default_factory=dict)

    async def keep(self, declaration_id: str, record: dict[str, Any]) -> None:
        self.records[declaration_id] = {**self.records.get(declaration_id, {}), **record}

    async def get(self, declaration_id: str) -> dict[str, Any] | None:
        return self.records.get(declaration_id)
