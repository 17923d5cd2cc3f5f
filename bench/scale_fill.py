"""A district office's history, written through the services' own stores (no HTTP: hours).

Each declaration leaves what the running system would have left: intake's declaration (fields
sealed, timeline), ocr_qr's scan record and photo sightings, review's case (opened by review's
own `on_scanned`), its audit trail and delivery receipts, notifier's delivery records, an
account for each verified person, and the person in the registry. Every outbox is empty, as
after the relays have run. The first `OPEN` declarations stay open (awaiting verification);
everything after is closed history, so the work the office has in hand stays the same.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from vssid_intake.adapters.declarations import DeclarationStore
from vssid_intake.adapters.registry import RegistryStore
from vssid_intake.domain.reference import ALPHABET
from vssid_intake.domain.registry import InsuredPerson
from vssid_review.adapters.cases import CaseStore
from vssid_review.handlers import open_case
from vssid_review.ports import Deps as ReviewDeps
from vssid_shared.clock import utc_now
from vssid_shared.contracts import Scanned, typed
from vssid_shared.crypto import Keys
from vssid_shared.envelope import CloudEvent, new_event
from vssid_shared.images import ImageVault
from vssid_shared.mongo import Doc
from vssid_shared.outbox import PENDING
from vssid_shared.subjects import Event

AGENCY = "4802"
OPEN = 30
BATCH = 500
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng")
MIDDLE = ("Văn", "Thị", "Hữu", "Minh", "Thanh", "Ngọc", "Đức", "Quang")
GIVEN = ("An", "Bảo", "Châu", "Dũng", "Hà", "Hải", "Hòa", "Khánh", "Linh", "Nam", "Phúc", "Tâm")
# A real argon2id hash's length; accounts are never logged into by the bench.
PASSWORD_HASH = "$argon2id$v=19$m=65536,t=3,p=4$" + "A" * 22 + "$" + "B" * 43


def reference(i: int) -> str:
    """Unique by construction (the real ones are random): base-25 in intake's alphabet."""
    digits = []
    for _ in range(6):
        i, d = divmod(i, len(ALPHABET))
        digits.append(ALPHABET[d])
    return f"{AGENCY}-{''.join(reversed(digits))}"


def person(i: int) -> dict[str, Any]:
    name = f"{FAMILY[i % 10]} {MIDDLE[(i // 10) % 8]} {GIVEN[(i // 80) % 12]}"
    return {
        "full_name": name,
        "social_insurance_number": f"48{i:08d}",
        "date_of_birth": (date(1960, 1, 1) + timedelta(days=(i * 37) % 15000)).isoformat(),
        "gender": "male" if i % 2 else "female",
        "nationality": "VN",
        "id_document": {"type": "cccd", "number": f"048{i:09d}", "issued_on": "2021-05-12"},
        "address": f"Tổ {i % 40}, Phường Chính Gián, Quận Thanh Khê, Đà Nẵng",
        "phone": f"0905{i % 10**6:06d}",
        "email": f"nguoi.{i}@example.com",
        "agency_code": AGENCY,
        "send_email_copy": True,
    }


class _Collected(CaseStore):
    """review's own case building (`handlers.open_case`), kept for one bulk insert."""

    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        super().__init__(db)
        self.opened: list[Doc] = []

    async def open(self, case: Doc, event: CloudEvent) -> bool:
        self.opened.append({**case, PENDING: []})
        return True


class _NoRelay:
    def kick(self) -> None:
        return None

    def kick_first(self, collection: str, doc_id: Any, events: Sequence[Any]) -> None:
        return None


@dataclass
class Filler:
    db: AsyncDatabase[Doc]
    keys: Keys
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    filled: int = 0
    # The time review's `on_scanned` stamps the case being built with.
    _clock: datetime = field(default=datetime.min.replace(tzinfo=UTC), init=False)

    async def fill_to(self, total: int) -> None:
        while self.filled < total:
            batch = range(self.filled, min(total, self.filled + BATCH))
            await self._batch(list(batch))
            self.filled = batch[-1] + 1

    def _opened_at(self, i: int) -> datetime:
        if i < OPEN:  # the office's open work: the last few days
            return self.now - timedelta(days=3, minutes=i)
        return self.now - timedelta(days=40, minutes=i * 3)  # history, oldest furthest back

    async def _batch(self, indices: list[int]) -> None:
        declarations = DeclarationStore(self.db, self.keys)
        collected = _Collected(self.db)
        review = ReviewDeps(
            collected,
            ImageVault(self.db, self.keys.images),
            _NoRelay(),
            self.keys,
            clock=lambda: self._clock,
            visit_window_days=30,
        )
        docs: dict[str, list[Doc]] = {
            name: []
            for name in (
                "declarations",
                "scans",
                "image_sightings",
                "case_audit",
                "case_deliveries",
                "deliveries",
                "accounts",
            )
        }
        people = []
        for i in indices:
            fields = person(i)
            declaration_id, ref, opened = str(uuid.uuid4()), reference(i), self._opened_at(i)
            status = self._status(i)
            self._clock = opened
            images = {
                kind: {
                    "file_id": uuid.uuid4().hex[:24],
                    "sha256": uuid.uuid4().hex * 2,
                    "content_type": "image/jpeg",
                    "size": 180_000,
                }
                for kind in ("portrait", "id_front", "id_back")
            }
            docs["declarations"].append(
                self._declaration(declarations, declaration_id, ref, fields, images, opened, status)
            )
            docs["scans"].append(self._scan(declaration_id, ref, images, opened))
            docs["image_sightings"] += [
                {
                    "_id": f"{m['sha256']}:{declaration_id}",
                    "sha256": m["sha256"],
                    "declaration_id": declaration_id,
                    "reference": ref,
                }
                for m in images.values()
            ]
            await open_case(
                typed(self._scanned(declaration_id, ref, fields, images), Scanned), deps=review
            )
            if status != "awaiting_verification":
                self._close(collected.opened[-1], status, opened + timedelta(days=2))
                docs["case_audit"] += self._audit(declaration_id, opened, status)
                docs["case_deliveries"] += self._receipts(declaration_id, opened)
                docs["deliveries"] += self._deliveries(declaration_id, opened)
            if status == "verified":
                docs["accounts"].append(
                    {
                        "_id": fields["social_insurance_number"],
                        "activated_by": declaration_id,
                        "password_hash": PASSWORD_HASH,
                        "must_change_password": True,
                        "activated_at": opened + timedelta(days=2),
                        PENDING: [],
                    }
                )
            people.append(
                InsuredPerson(
                    fields["social_insurance_number"],
                    fields["full_name"],
                    date.fromisoformat(fields["date_of_birth"]),
                    fields["gender"],
                    "48",
                )
            )
        docs["cases"] = collected.opened
        for name, batch in docs.items():
            if batch:
                await self.db[name].insert_many(batch, ordered=False)
        await RegistryStore(self.db, self.keys).upsert_many(people)

    @staticmethod
    def _status(i: int) -> str:
        """The office's open work first, then history: 8 in 10 verified, 1 rejected, 1 expired."""
        if i < OPEN:
            return "awaiting_verification"
        return {8: "rejected", 9: "expired"}.get(i % 10, "verified")

    def _declaration(
        self,
        store: DeclarationStore,
        declaration_id: str,
        ref: str,
        fields: dict[str, Any],
        images: dict[str, Doc],
        opened: datetime,
        status: str,
    ) -> Doc:
        submitted = opened - timedelta(minutes=2)
        timeline = [
            {"status": "submitted", "at": submitted},
            {"status": "scanned", "at": submitted + timedelta(seconds=20)},
            {"status": "awaiting_verification", "at": opened},
        ]
        if status != "awaiting_verification":
            timeline.append({"status": status, "at": opened + timedelta(days=2)})
        return {
            "_id": declaration_id,
            "status": status,
            "created_at": submitted - timedelta(minutes=10),
            **store.field_set(declaration_id, fields, submitted),
            "images": images,
            "reference": ref,
            "submit_key_hash": None,
            "submitted_at": submitted,
            "timeline": timeline,
            "applied_events": [str(uuid.uuid4()) for _ in timeline[1:]],
            "enrichment_sealed": self.keys.records.seal_json(
                {"qr": {"found": True}}, declaration_id
            ),
            PENDING: [],
        }

    @staticmethod
    def _scan(declaration_id: str, ref: str, images: dict[str, Doc], opened: datetime) -> Doc:
        return {
            "_id": declaration_id,
            "created_at": opened,
            "reference": ref,
            "image_sha256": [m["sha256"] for m in images.values()],
            "qr": {"found": True, "kind": "cccd", "side": "id_back"},
            "findings": [],
            PENDING: [],
        }

    def _scanned(
        self, declaration_id: str, ref: str, fields: dict[str, Any], images: dict[str, Doc]
    ) -> CloudEvent:
        sealed = {"declaration": fields, "card": {"id_number": fields["id_document"]["number"]}}
        data = {
            "reference": ref,
            "agency": {"code": AGENCY, "name": "BHXH quận Thanh Khê"},
            "send_email_copy": True,
            "submitted_at": self._clock.isoformat(),
            "images": images,
            "qr": {"found": True, "kind": "cccd", "side": "id_back"},
            "findings": [],
            "sealed": self.keys.events.seal_json(sealed, declaration_id),
        }
        return new_event(
            Event.SCANNED,
            source="bench",
            declaration_id=declaration_id,
            agency_code=AGENCY,
            data=data,
            clock=utc_now,
        )

    @staticmethod
    def _close(case: Doc, status: str, at: datetime) -> None:
        case.update(status=status, decided_at=at, images_purged=status != "verified")

    @staticmethod
    def _audit(case_id: str, opened: datetime, status: str) -> list[Doc]:
        clerk = {"operator_id": "op-1", "operator": "Nguyễn Văn B", "from": "10.0.0.7"}
        decided = opened + timedelta(days=2)
        return [
            {"case_id": case_id, "at": decided - timedelta(minutes=5), "action": "read", **clerk},
            {"case_id": case_id, "at": decided, "action": "open-for-decision", **clerk},
            {
                "_id": f"{case_id}:decision",
                "case_id": case_id,
                "at": decided,
                "action": status,
                **clerk,
            },
        ]

    @staticmethod
    def _receipts(case_id: str, opened: datetime) -> list[Doc]:
        return [
            {
                "_id": str(uuid.uuid4()),
                "event_id": "",
                "case_id": case_id,
                "at": opened + timedelta(minutes=m),
                "operator": None,
                "action": f"delivery:{kind}",
                "status": "sent",
                "error": None,
            }
            for m, kind in ((1, "copy"), (2900, "notified"))
        ]

    @staticmethod
    def _deliveries(declaration_id: str, opened: datetime) -> list[Doc]:
        return [
            {
                "_id": f"{declaration_id}:{kind}",
                "declaration_id": declaration_id,
                "kind": kind,
                "created_at": opened,
                "updated_at": opened,
                "status": "sent",
                "attempts": 1,
                "error": None,
                PENDING: [],
            }
            for kind in ("copy", "verified")
        ]
