"""In-memory stand-ins for the ports, for unit tests of the use cases (never for integration
or e2e tests, which run the real servers).

Each fake keeps the adapter's contract where a use case depends on it: conditional updates
succeed once (a second submit, decision or claim returns False), stores hand out copies, and
events a write queues are kept with the document (`pending`), as the outbox keeps them.
"""

from __future__ import annotations

import copy
import hashlib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from typing import Any, TypeVar

import pyotp

from tests.support.clock import START, FrozenClock
from vssid_intake.domain.agencies import AgencyCatalog
from vssid_intake.domain.errors import (
    HashingBusyError,
    QrDecodeError,
    ReferenceTakenError,
    TooManyLoginsError,
)
from vssid_intake.domain.login_policy import Attempt, SessionPolicy
from vssid_intake.domain.registry import InsuredPerson, match_material
from vssid_intake.domain.rights import WITHDRAWABLE, WITHDRAWN
from vssid_intake.domain.statuses import Status
from vssid_notifier.domain.errors import PermanentDeliveryError, RecordNotWrittenError
from vssid_review.domain.cases import (
    DECIDABLE,
    CaseStatus,
    Operator,
    QueuePage,
    in_queue_filter,
)
from vssid_review.domain.staff_credentials import (
    Enrolment,
    SignInPolicy,
    hash_password,
    new_password,
)
from vssid_review.domain.staff_sessions import Credential, StaffSession, StaffSessionPolicy
from vssid_review.ports import StuckKind
from vssid_shared import reconcile
from vssid_shared.crypto import Keys, token_hash
from vssid_shared.doc import Doc
from vssid_shared.envelope import CloudEvent
from vssid_shared.outbox_record import Queued
from vssid_shared.storage_errors import ImageNotFoundError

__all__ = ["START", "FrozenClock"]

T = TypeVar("T")
KEYS = Keys("unit-test-secret-" + "k" * 30)


def _stuck(doc: Doc, now: datetime, after_seconds: float, max_attempts: int) -> bool:
    """`vssid_shared.reconcile.stuck`, evaluated on one document."""
    if doc.get("pending"):
        return False
    state = doc.get(reconcile.FIELD) or {}
    if state.get("count", 0) >= max_attempts:
        return False
    at, due = state.get("at"), state.get("due")
    if at is None:
        return True
    if due is not None:
        return bool(due <= now)
    return bool(at <= now - timedelta(seconds=after_seconds))


def _claim(doc: Doc, event: CloudEvent, now: datetime, after_seconds: float = 0.0) -> None:
    """`vssid_shared.reconcile.claim` on one document: the next re-emit backs off."""
    state = doc.setdefault(reconcile.FIELD, {"count": 0})
    number = int(event.data.get(reconcile.MARK) or 1)
    state["at"] = now
    state["due"] = now + timedelta(seconds=after_seconds * 2 ** (number - 1))
    state["count"] = state.get("count", 0) + 1
    doc.setdefault("pending", []).append(event)


# === shared ports ===============================================================================


@dataclass
class FakeOutbox:
    """Counts kicks; the events themselves wait in the fakes' documents (`pending`)."""

    kicks: int = 0

    def kick(self, collection: str | None = None) -> None:
        self.kicks += 1

    def kick_first(self, collection: str, doc_id: Any, events: Sequence[Any]) -> None:
        self.kicks += 1

    def kick_queued(
        self, collection: str, doc_id: Any, events: Sequence[Any], queued: Queued
    ) -> None:
        if queued:
            self.kicks += 1


@dataclass
class FakeImages:
    files: dict[str, tuple[str, str, bytes]] = field(default_factory=dict)
    deleted: list[str] = field(default_factory=list)

    async def put(self, declaration_id: str, kind: str, data: bytes, meta: dict[str, Any]) -> str:
        file_id = f"file-{len(self.files) + len(self.deleted) + 1}"
        self.files[file_id] = (declaration_id, kind, data)
        return file_id

    async def get(self, file_id: str, declaration_id: str, kind: str) -> bytes:
        found = self.files.get(file_id)
        if found is None or found[:2] != (declaration_id, kind):
            raise ImageNotFoundError(file_id)
        return found[2]

    async def delete(self, file_id: str) -> None:
        if self.files.pop(file_id, None) is not None:
            self.deleted.append(file_id)


# === intake =====================================================================================


@dataclass
class FakeDeclarations:
    """Declarations in a dict; fields kept in clear under `fields` (sealing is the adapter's)."""

    docs: dict[str, Doc] = field(default_factory=dict)
    taken_references: set[str] = field(default_factory=set)

    def open_fields(self, doc: Doc) -> dict[str, Any]:
        return copy.deepcopy(doc.get("fields") or {})

    def open_enrichment(self, doc: Doc) -> dict[str, Any] | None:
        return copy.deepcopy(doc.get("enrichment"))

    def add(self, doc: Doc) -> Doc:
        """A document as a test sets it up (any status)."""
        self.docs[doc["_id"]] = {"images": {}, "timeline": [], "applied_events": [], **doc}
        return self.docs[doc["_id"]]

    async def create(
        self, declaration_id: str, token_hash: str, fields: dict[str, Any], now: datetime
    ) -> Doc:
        doc = self.add(
            {
                "_id": declaration_id,
                "token_hash": token_hash,
                "status": Status.DRAFT,
                "created_at": now,
                "timeline": [{"status": Status.DRAFT, "at": now}],
                "fields": copy.deepcopy(fields),
                "agency_code": fields.get("agency_code"),
                "updated_at": now,
            }
        )
        return copy.deepcopy(doc)

    async def get(self, declaration_id: str) -> Doc | None:
        doc = self.docs.get(declaration_id)
        if doc is None:
            return None
        return copy.deepcopy({k: v for k, v in doc.items() if k != "pending"})

    async def save_fields(
        self, declaration_id: str, fields: dict[str, Any], now: datetime, *, seen: Doc | None = None
    ) -> Doc | None:
        doc = self.docs.get(declaration_id)
        if doc is None or doc["status"] != Status.DRAFT:
            return None
        doc.update(fields=copy.deepcopy(fields), agency_code=fields.get("agency_code"))
        doc["updated_at"] = now
        return await self.get(declaration_id)

    async def set_image(
        self,
        declaration_id: str,
        kind: str,
        meta: dict[str, Any],
        now: datetime,
        *,
        seen: Doc | None = None,
    ) -> Doc | None:
        doc = self.docs.get(declaration_id)
        if doc is None or doc["status"] != Status.DRAFT:
            return None
        before = copy.deepcopy(doc)
        doc["images"][kind] = dict(meta)
        return before

    async def submit(
        self, declaration_id: str, *, reference: str, key_hash: str | None, event: CloudEvent
    ) -> Queued:
        if reference in self.taken_references:
            raise ReferenceTakenError(reference)
        doc = self.docs.get(declaration_id)
        if doc is None or doc["status"] != Status.DRAFT:
            return Queued.NOT_WRITTEN
        self.taken_references.add(reference)
        doc.update(
            status=Status.SUBMITTED,
            reference=reference,
            submit_key_hash=key_hash,
            submitted_at=event.time,
        )
        doc["timeline"].append({"status": Status.SUBMITTED, "at": event.time})
        first = not doc.get("pending")
        doc.setdefault("pending", []).append(event)
        return Queued.FIRST if first else Queued.BEHIND

    async def record_event(
        self,
        declaration_id: str,
        event_id: str,
        entry: Doc,
        extra: Doc | None = None,
        *,
        once_per_status: bool = False,
    ) -> None:
        doc = self.docs.get(declaration_id)
        if doc is None or event_id in doc["applied_events"]:
            return
        if once_per_status and any(e["status"] == entry["status"] for e in doc["timeline"]):
            return
        doc["timeline"].append(entry)
        doc["applied_events"].append(event_id)
        doc.update(extra or {})

    async def set_enrichment(self, declaration_id: str, enrichment: dict[str, Any]) -> Doc | None:
        doc = self.docs.get(declaration_id)
        if doc is None:
            return None
        doc["enrichment"] = copy.deepcopy(enrichment)
        held = doc.get("held_status") if doc["status"] == Status.SUBMITTED else None
        return copy.deepcopy(held)

    async def hold_status(
        self, declaration_id: str, event_id: str, entry: Doc, extra: Doc | None = None
    ) -> bool:
        doc = self.docs.get(declaration_id)
        if doc is None or doc["status"] != Status.SUBMITTED or "enrichment" in doc:
            return False
        held = {**copy.deepcopy(entry), "event_id": event_id, "extra": dict(extra or {})}
        doc["held_status"] = held
        return True

    async def apply_held(self, declaration_id: str, held: Doc) -> bool:
        entry = {"status": held["status"], "at": held["at"]}
        return await self.move_on(
            declaration_id, held["event_id"], entry, (Status.SUBMITTED,), extra=held.get("extra")
        )

    async def advance(
        self, declaration_id: str, status: Status, predecessors: tuple[Status, ...]
    ) -> None:
        doc = self.docs.get(declaration_id)
        if doc is not None and doc["status"] in predecessors:
            doc["status"] = status

    async def move_on(
        self,
        declaration_id: str,
        event_id: str,
        entry: Doc,
        predecessors: tuple[Status, ...],
        *,
        scanned: bool = False,
        extra: Doc | None = None,
    ) -> bool:
        doc = self.docs.get(declaration_id)
        if (
            doc is None
            or event_id in doc["applied_events"]
            or any(e["status"] == entry["status"] for e in doc["timeline"])
            or doc["status"] not in predecessors
            or (scanned and doc.get("enrichment") is None)
        ):
            return False
        doc.update(extra or {})
        doc.pop("held_status", None)
        doc["timeline"].append(dict(entry))
        doc["applied_events"].append(event_id)
        doc["status"] = entry["status"]
        return True

    async def hold_account(self, declaration_id: str, event: CloudEvent) -> bool:
        doc = self.docs.get(declaration_id)
        if doc is None or "account_outcome" in doc:
            return False
        doc["account_outcome"] = event.data.get("reason")
        doc.setdefault("pending", []).append(event)
        return True

    def _is_stuck(self, doc: Doc, now: datetime, after: float, attempts: int) -> bool:
        return (
            doc["status"] == Status.SUBMITTED
            and doc["submitted_at"] <= now - timedelta(seconds=after)
            and _stuck(doc, now, after, attempts)
        )

    async def stuck_submitted(
        self, now: datetime, after_seconds: float, max_attempts: int
    ) -> list[Doc]:
        found = self.docs.values()
        return [
            copy.deepcopy(d) for d in found if self._is_stuck(d, now, after_seconds, max_attempts)
        ]

    async def claim_resend(
        self,
        declaration_id: str,
        event: CloudEvent,
        now: datetime,
        after_seconds: float,
        max_attempts: int,
    ) -> bool:
        doc = self.docs.get(declaration_id)
        if doc is None or not self._is_stuck(doc, now, after_seconds, max_attempts):
            return False
        _claim(doc, event, now, after_seconds)
        return True

    async def delete_draft(self, declaration_id: str) -> bool:
        doc = self.docs.get(declaration_id)
        if doc is None or doc["status"] != Status.DRAFT:
            return False
        del self.docs[declaration_id]
        return True

    async def withdraw(self, declaration_id: str, event: CloudEvent, now: datetime) -> bool:
        doc = self.docs.get(declaration_id)
        if doc is None or doc["status"] not in WITHDRAWABLE:
            return False
        doc.update(status=WITHDRAWN, withdrawn_at=now, images={})
        for sealed in ("fields", "enrichment", "id_number_hash"):  # the sealed parts
            doc.pop(sealed, None)
        doc.setdefault("timeline", []).append({"status": WITHDRAWN, "at": now})
        doc.setdefault("pending", []).append(event)
        return True

    async def stale_drafts(self, edited_before: datetime) -> list[Doc]:
        return [
            copy.deepcopy(d)
            for d in self.docs.values()
            if d["status"] == Status.DRAFT and d["updated_at"] <= edited_before
        ]

    async def delete_stale_draft(self, declaration_id: str, updated_at: datetime) -> bool:
        doc = self.docs.get(declaration_id)
        if doc is None or doc["status"] != Status.DRAFT or doc["updated_at"] != updated_at:
            return False
        del self.docs[declaration_id]
        return True

    def pending(self, declaration_id: str) -> list[CloudEvent]:
        return list(self.docs[declaration_id].get("pending", []))

    def relay(self, declaration_id: str) -> list[CloudEvent]:
        """The relay published the document's events: they leave its outbox."""
        events: list[CloudEvent] = self.docs[declaration_id].pop("pending", [])
        return events


@dataclass
class FakeAccounts:
    docs: dict[str, Doc] = field(default_factory=dict)

    def key(self, sin: str) -> str:
        return f"account:{sin}"

    async def get(self, key: str) -> Doc | None:
        doc = self.docs.get(key)
        return (
            None
            if doc is None
            else copy.deepcopy(
                {k: v for k, v in doc.items() if k not in ("pending", "activated_event")}
            )
        )

    async def activate(
        self, sin: str, declaration_id: str, password_hash: str, event: CloudEvent, now: datetime
    ) -> bool:
        if self.key(sin) in self.docs:
            return False
        self.docs[self.key(sin)] = {
            "_id": self.key(sin),
            "activated_by": declaration_id,
            "contact_from": declaration_id,
            "password_hash": password_hash,
            "must_change_password": True,
            "activated_at": now,
            "activated_event": event.wire(),
            "pending": [event],
        }
        return True

    async def reissue(
        self,
        sin: str,
        declaration_id: str,
        contact_from: str,
        password_hash: str,
        event: CloudEvent,
        now: datetime,
    ) -> bool:
        doc = self.docs.get(self.key(sin))
        if doc is None or doc["activated_by"] == declaration_id:
            return False
        doc.update(
            activated_by=declaration_id,
            contact_from=contact_from,
            password_hash=password_hash,
            must_change_password=True,
            reissued_at=now,
            activated_event=event.wire(),
        )
        doc.setdefault("pending", []).append(event)
        return True

    async def activation_event(self, key: str, declaration_id: str) -> Doc | None:
        doc = self.docs.get(key)
        if doc is None or doc["activated_by"] != declaration_id:
            return None
        found: Doc | None = doc.get("activated_event")
        return found

    async def requeue(self, key: str, declaration_id: str, event: CloudEvent) -> bool:
        doc = self.docs.get(key)
        if doc is None or doc["activated_by"] != declaration_id or "activated_event" not in doc:
            return False
        doc.setdefault("pending", []).append(event)
        return True

    async def record_login(self, key: str, now: datetime) -> None:
        if key in self.docs:
            self.docs[key]["last_login"] = now

    async def set_password(self, key: str, password_hash: str, now: datetime) -> None:
        if key in self.docs:
            self.docs[key].update(
                password_hash=password_hash, must_change_password=False, password_changed_at=now
            )
            self.docs[key].pop("activated_event", None)

    def pending(self, sin: str) -> list[CloudEvent]:
        return list(self.docs[self.key(sin)].get("pending", []))


@dataclass
class FakeSessions:
    policy: SessionPolicy = field(
        default_factory=lambda: SessionPolicy(timedelta(minutes=30), timedelta(hours=12))
    )
    docs: dict[str, Doc] = field(default_factory=dict)

    async def open(self, token_hash: str, account: str, now: datetime) -> datetime:
        deadline = now + self.policy.absolute
        self.docs[token_hash] = {
            "token_hash": token_hash,
            "account": account,
            "expires_at": deadline,
            "idle_expires_at": self.policy.idle_deadline(now, deadline),
        }
        return deadline

    async def touch(self, token_hash: str, now: datetime) -> Doc | None:
        doc = self.docs.get(token_hash)
        if doc is None or not (doc["expires_at"] > now and doc["idle_expires_at"] > now):
            return None
        doc["idle_expires_at"] = self.policy.idle_deadline(now, doc["expires_at"])
        return dict(doc)

    async def close(self, token_hash: str) -> None:
        self.docs.pop(token_hash, None)

    async def revoke_all(self, account: str) -> int:
        gone = [t for t, d in self.docs.items() if d["account"] == account]
        for t in gone:
            del self.docs[t]
        return len(gone)


@dataclass
class FakeRegistry:
    people: list[InsuredPerson] = field(default_factory=list)

    def _row(self, p: InsuredPerson) -> dict[str, Any]:
        return {
            "social_insurance_number": p.social_insurance_number,
            "full_name": p.full_name,
            "date_of_birth": p.date_of_birth.isoformat(),
            "gender": p.gender,
            "province_code": p.province_code,
        }

    async def find(self, material: str, limit: int = 5) -> list[dict[str, Any]]:
        found = [
            self._row(p)
            for p in self.people
            if match_material(p.full_name, p.date_of_birth, p.province_code) == material
        ]
        return found[:limit]

    async def by_number(self, social_insurance_number: str) -> dict[str, Any] | None:
        for p in self.people:
            if p.social_insurance_number == social_insurance_number:
                return self._row(p)
        return None

    async def upsert_many(self, people: list[InsuredPerson]) -> int:
        self.people += people
        return len(people)

    async def ensure_indexes(self) -> None:
        return None


@dataclass
class FakeLoginLimits:
    """At most `max_failures` failed checks per login id; a success forgives them."""

    max_failures: int = 5
    failures: dict[str, int] = field(default_factory=dict)
    refunded: int = 0

    async def reserve(self, login_id: str, client: str) -> Attempt:
        if self.failures.get(login_id, 0) >= self.max_failures:
            raise TooManyLoginsError(60)
        self.failures[login_id] = self.failures.get(login_id, 0) + 1
        return Attempt(login_id, client)

    async def refund(self, attempt: Attempt) -> None:
        self.refunded += 1
        self.failures[attempt.login_id] -= 1

    async def succeeded(self, attempt: Attempt) -> None:
        self.failures[attempt.login_id] = 0


@dataclass
class FakePasswordWork:
    """Runs the work inline; `busy` makes it refuse as a full argon2 line does."""

    busy: bool = False
    runs: int = 0

    def has_room(self) -> bool:
        return not self.busy

    async def run(self, work: Callable[..., T], *args: Any) -> T:
        if self.busy:
            raise HashingBusyError
        self.runs += 1
        return work(*args)


@dataclass
class FakeQrDecoder:
    """Answers every request with `answer` (or `error`) and keeps what it was asked."""

    answer: dict[str, Any] = field(
        default_factory=lambda: {"kind": "cccd", "fields": {"full_name": "Nguyễn Văn Bảo"}}
    )
    error: tuple[str, str] | None = None
    asked: list[tuple[dict[str, Any] | bytes, dict[str, str] | None]] = field(default_factory=list)

    async def ask(
        self, request: dict[str, Any] | bytes, headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        self.asked.append((request, headers))
        if self.error is not None:
            raise QrDecodeError(*self.error)
        return dict(self.answer)


@dataclass
class FakeRateLimit:
    allowed: int = 10
    seen: int = 0

    async def allow(self, client: str) -> bool:
        self.seen += 1
        return self.seen <= self.allowed

    async def ensure_indexes(self) -> None:
        return None


@dataclass
class FakeAgencySource:
    catalog: AgencyCatalog | None = None

    async def load(self) -> AgencyCatalog | None:
        return self.catalog

    async def save(self, catalog: AgencyCatalog, now: datetime) -> None:
        self.catalog = catalog


# === review =====================================================================================


@dataclass
class FakeCases:
    docs: dict[str, Doc] = field(default_factory=dict)
    audit_log: list[Doc] = field(default_factory=list)
    deliveries: dict[str, Doc] = field(default_factory=dict)

    def _out(self, doc: Doc | None) -> Doc | None:
        return (
            None if doc is None else copy.deepcopy({k: v for k, v in doc.items() if k != "pending"})
        )

    async def open(self, case: Doc, event: CloudEvent) -> bool:
        if case["_id"] in self.docs or any(
            d["reference"] == case["reference"] for d in self.docs.values()
        ):
            return False
        self.docs[case["_id"]] = {**copy.deepcopy(case), "pending": [event]}
        return True

    async def get(self, case_id: str, agency_code: str) -> Doc | None:
        doc = self.docs.get(case_id)
        return self._out(doc) if doc is not None and doc["agency_code"] == agency_code else None

    async def by_reference(self, reference: str, agency_code: str) -> Doc | None:
        for doc in self.docs.values():
            if doc["reference"] == reference and doc["agency_code"] == agency_code:
                return self._out(doc)
        return None

    def _page(
        self, found: list[Doc], limit: int, after: str | None, key: str = "queue_key"
    ) -> QueuePage:
        ordered = sorted(found, key=lambda c: c[key])
        later = [c for c in ordered if after is None or c[key] > after]
        items = [c for c in (self._out(c) for c in later[:limit]) if c is not None]
        more = len(later) > limit and items
        return QueuePage(items, len(ordered), items[-1][key] if more else None)

    async def queue(
        self,
        agency_code: str,
        status: str | None,
        *,
        limit: int,
        after: str | None,
        with_findings: bool = False,
        due_by: date | None = None,
    ) -> QueuePage:
        found = [
            c
            for c in self.docs.values()
            if c["agency_code"] == agency_code
            and (not status or c["status"] == status)
            and in_queue_filter(c, with_findings=with_findings, due_by=due_by)
        ]
        return self._page(found, limit, after, "due_key" if due_by else "queue_key")

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
    ) -> QueuePage:
        def matches(c: Doc) -> bool:
            return c["reference"] == reference or any(c.get(k) == v for k, v in hashes.items())

        found = [
            c
            for c in self.docs.values()
            if matches(c)
            and c["agency_code"] == agency_code
            and (not status or c["status"] == status)
            and in_queue_filter(c, with_findings=with_findings, due_by=due_by)
        ]
        return self._page(found, limit, after)

    async def decide(
        self, case_id: str, agency_code: str, status: CaseStatus, event: CloudEvent
    ) -> bool:
        doc = self.docs.get(case_id)
        if doc is None or doc["agency_code"] != agency_code or doc["status"] not in DECIDABLE:
            return False
        doc.update(status=status, decided_at=event.time)
        if status == CaseStatus.REJECTED:
            doc["purge_from"] = event.time
        doc["pending"].append(event)
        return True

    async def audit(self, case_id: str, entry: Doc, *, entry_id: str | None = None) -> None:
        if entry_id is not None and any(e.get("_id") == entry_id for e in self.audit_log):
            return
        self.audit_log.append({**entry, "case_id": case_id, "_id": entry_id})

    async def delivered(self, case_id: str, receipt: Doc) -> None:
        self.deliveries.setdefault(receipt["event_id"], {**receipt, "case_id": case_id})

    async def has_receipt(self, case_id: str, action: str) -> bool:
        return any(
            d["case_id"] == case_id and d.get("action") == action for d in self.deliveries.values()
        )

    async def decision(self, case_id: str) -> Doc | None:
        return next((e for e in self.audit_log if e.get("_id") == f"{case_id}:decision"), None)

    async def history(self, case_id: str) -> list[Doc]:
        entries = [
            e for e in [*self.audit_log, *self.deliveries.values()] if e["case_id"] == case_id
        ]
        return sorted(entries, key=lambda e: e["at"])

    async def mark_account_held(self, case_id: str, reason: str | None) -> None:
        if case_id in self.docs:
            self.docs[case_id]["account_held"] = reason or "account_active"

    async def others_with_id_number(self, id_number_hash: str, case_id: str) -> list[Doc]:
        open_or_done = (CaseStatus.AWAITING_VERIFICATION, CaseStatus.VERIFIED)
        return [
            {k: c[k] for k in ("_id", "reference", "status", "agency_code")}
            for c in self.docs.values()
            if c.get("id_number_hash") == id_number_hash
            and c["_id"] != case_id
            and c["status"] in open_or_done
        ]

    async def others_with_images(
        self, hashes: list[str], case_id: str, limit: int = 20
    ) -> list[Doc]:
        found = [
            {
                k: c[k]
                for k in ("_id", "reference", "status", "agency_code", "image_sha256", "opened_at")
            }
            for c in self.docs.values()
            if c["_id"] != case_id and set(c.get("image_sha256", [])) & set(hashes)
        ]
        return sorted(found, key=lambda c: c["opened_at"], reverse=True)[:limit]

    async def open_with_deadline(self, *, first: str | None, last: str) -> list[Doc]:
        def due(d: str) -> bool:
            return first <= d <= last if first is not None else d < last

        return [
            copy.deepcopy(c)
            for c in self.docs.values()
            if c["status"] == CaseStatus.AWAITING_VERIFICATION and due(c["deadline"])
        ]

    async def claim_reminder(self, case_id: str, event: CloudEvent, now: datetime) -> bool:
        doc = self.docs.get(case_id)
        if doc is None or doc["status"] != CaseStatus.AWAITING_VERIFICATION or doc.get("reminded"):
            return False
        doc.update(reminded=True, reminded_at=now)
        doc["pending"].append(event)
        return True

    async def claim_expiry(self, case_id: str, event: CloudEvent, now: datetime) -> bool:
        doc = self.docs.get(case_id)
        if doc is None or doc["status"] != CaseStatus.AWAITING_VERIFICATION:
            return False
        doc.update(status=CaseStatus.EXPIRED, decided_at=now, purge_from=now)
        doc["pending"].append(event)
        return True

    async def photos_to_purge(self, closed_before: datetime) -> list[Doc]:
        return [
            {"_id": c["_id"], "images": c.get("images", {}), "status": c["status"]}
            for c in self.docs.values()
            if "purge_from" in c and c["purge_from"] <= closed_before
        ]

    async def mark_images_purged(self, case_id: str) -> bool:
        doc = self.docs.get(case_id)
        if doc is None or doc.get("images_purged"):
            return False
        doc["images_purged"] = True
        doc.pop("purge_from", None)
        return True

    async def awaiting(self, case_id: str) -> Doc | None:
        doc = self.docs.get(case_id)
        ok = doc is not None and doc["status"] == CaseStatus.AWAITING_VERIFICATION
        return self._out(doc) if ok else None

    async def requeue(self, case_id: str, event: CloudEvent) -> bool:
        doc = self.docs.get(case_id)
        if doc is None or doc["status"] != CaseStatus.AWAITING_VERIFICATION:
            return False
        doc["pending"].append(event)
        return True

    def _is_stuck(
        self, doc: Doc, kind: StuckKind, now: datetime, after: float, attempts: int
    ) -> bool:
        cutoff = now - timedelta(seconds=after)
        status = doc["status"]
        open_case = status == CaseStatus.AWAITING_VERIFICATION
        decided = doc.get("decided_at") is not None and doc["decided_at"] <= cutoff
        waiting = {
            "copy": open_case and doc.get("send_email_copy") is True and doc["opened_at"] <= cutoff,
            "expiring": open_case
            and doc.get("reminded") is True
            and doc.get("reminded_at") is not None
            and doc["reminded_at"] <= cutoff,
            "verified": status == CaseStatus.VERIFIED and decided and "account_held" not in doc,
            "rejected": status == CaseStatus.REJECTED and decided,
            "expired": status == CaseStatus.EXPIRED and decided,
        }[kind]
        return bool(waiting) and _stuck(doc, now, after, attempts)

    async def stuck(
        self, kind: StuckKind, now: datetime, after_seconds: float, max_attempts: int
    ) -> list[Doc]:
        return [
            copy.deepcopy(c)
            for c in self.docs.values()
            if self._is_stuck(c, kind, now, after_seconds, max_attempts)
        ]

    async def claim_resend(
        self,
        kind: StuckKind,
        case_id: str,
        event: CloudEvent,
        now: datetime,
        after_seconds: float,
        max_attempts: int,
    ) -> bool:
        doc = self.docs.get(case_id)
        if doc is None or not self._is_stuck(doc, kind, now, after_seconds, max_attempts):
            return False
        _claim(doc, event, now, after_seconds)
        return True

    async def withdraw(self, case_id: str, at: datetime) -> bool:
        doc = self.docs.get(case_id)
        if doc is None or doc["status"] not in DECIDABLE:
            return False
        doc.update(status=CaseStatus.WITHDRAWN, decided_at=at, sealed=None)
        doc.pop("name_hash", None)
        doc.pop("id_number_hash", None)
        return True

    async def closed_unshredded(self, status: CaseStatus, decided_before: datetime) -> list[Doc]:
        return [
            {"_id": c["_id"], "decided_at": c["decided_at"]}
            for c in self.docs.values()
            if c["status"] == status
            and c.get("decided_at") is not None
            and c["decided_at"] <= decided_before
            and "shredded_at" not in c
        ]

    async def mark_shredded(self, case_id: str, now: datetime) -> bool:
        doc = self.docs.get(case_id)
        if doc is None or "shredded_at" in doc:
            return False
        doc.update(shredded_at=now, sealed=None)
        return True

    async def expire_records(self, audit_before: datetime, deliveries_before: datetime) -> int:
        kept = [e for e in self.audit_log if e["at"] >= audit_before]
        removed = len(self.audit_log) - len(kept)
        self.audit_log[:] = kept
        for event_id, receipt in list(self.deliveries.items()):
            if receipt["at"] < deliveries_before:
                del self.deliveries[event_id]
                removed += 1
        return removed

    def pending(self, case_id: str) -> list[CloudEvent]:
        return list(self.docs[case_id]["pending"])

    def relay(self, case_id: str) -> list[CloudEvent]:
        """The relay published the case's events: they leave its outbox."""
        events: list[CloudEvent] = self.docs[case_id]["pending"]
        self.docs[case_id]["pending"] = []
        return events


@dataclass
class FakeOperators:
    tokens: dict[str, Operator] = field(default_factory=dict)
    disabled: set[str] = field(default_factory=set)

    async def by_token(self, token: str) -> Operator | None:
        op = self.tokens.get(token_hash(token))
        return op if op is not None and op.id not in self.disabled else None

    async def is_active(self, operator_id: str) -> bool:
        return operator_id not in self.disabled

    async def add(self, name: str, agency_code: str, now: datetime) -> tuple[Operator, str]:
        token = f"token-{len(self.tokens)}"
        op = Operator(f"op-{len(self.tokens)}", name, agency_code)
        self.tokens[token_hash(token)] = op
        return op, token

    async def active(self, operator_id: str) -> Operator | None:
        found = [op for op in self.tokens.values() if op.id == operator_id]
        return found[0] if found and operator_id not in self.disabled else None

    async def list(self) -> list[Doc]:
        return [
            {
                "_id": op.id,
                "name": op.name,
                "agency_code": op.agency_code,
                "active": op.id not in self.disabled,
            }
            for op in self.tokens.values()
        ]

    async def disable(self, operator_id: str) -> bool:
        if not any(op.id == operator_id for op in self.tokens.values()):
            return False
        self.disabled.add(operator_id)
        return True

    async def ensure_indexes(self) -> None:
        return None


@dataclass
class FakeStaffCredentials:
    """Sign-in fields by operator id; the TOTP secret "sealed" in clear (sealing is the
    adapter's). `use_step` succeeds once per step, as the conditional update does."""

    operators: FakeOperators
    by_id: dict[str, Doc] = field(default_factory=dict)

    async def by_login(self, login: str) -> Credential | None:
        for operator_id, doc in self.by_id.items():
            op = await self.operators.active(operator_id)
            if doc["login"] == login and op is not None:
                return Credential(op, doc["password_hash"], doc["totp"], doc["last_step"])
        return None

    def totp_secret(self, credential: Credential) -> str:
        assert credential.totp_sealed is not None
        return credential.totp_sealed

    async def use_step(self, operator_id: str, step: int) -> bool:
        doc = self.by_id[operator_id]
        if doc["last_step"] is not None and doc["last_step"] >= step:
            return False
        doc["last_step"] = step
        return True

    async def login_taken(self, login: str) -> bool:
        return any(doc["login"] == login for doc in self.by_id.values())

    async def enrol(self, operator_id: str, login: str) -> Enrolment:
        enrolment = Enrolment(login, new_password(), pyotp.random_base32())
        self.by_id[operator_id] = {
            "login": login,
            "password_hash": hash_password(enrolment.password),
            "totp": enrolment.totp_secret,
            "last_step": None,
        }
        return enrolment

    async def ensure_indexes(self) -> None:
        return None


@dataclass
class FakeStaffSessions:
    """Sessions by id with the store's idle and absolute ends (`policy`)."""

    policy: StaffSessionPolicy
    live: dict[str, Doc] = field(default_factory=dict)

    async def open(self, operator_id: str, now: datetime) -> tuple[str, StaffSession]:
        session_id = f"sid-{len(self.live) + 1}-" + "x" * 30
        session = StaffSession(operator_id, f"csrf-{len(self.live) + 1}")
        self.live[session_id] = {
            "session": session,
            "idle_until": now + self.policy.idle,
            "ends_at": now + self.policy.lifetime,
        }
        return session_id, session

    async def current(self, session_id: str, now: datetime) -> StaffSession | None:
        doc = self.live.get(session_id)
        if doc is None or doc["idle_until"] <= now or doc["ends_at"] <= now:
            return None
        doc["idle_until"] = min(now + self.policy.idle, doc["ends_at"])
        found: StaffSession = doc["session"]
        return found

    async def close(self, session_id: str) -> None:
        self.live.pop(session_id, None)

    async def close_all(self, operator_id: str) -> int:
        mine = [k for k, d in self.live.items() if d["session"].operator_id == operator_id]
        for key in mine:
            del self.live[key]
        return len(mine)


@dataclass
class FakeSignInAttempts:
    """Failures per login and per client address within the policy's window."""

    policy: SignInPolicy
    failures: dict[str, list[datetime]] = field(default_factory=dict)

    def _keys(self, login: str, client: str) -> dict[str, int]:
        return {
            f"login:{login}": self.policy.max_failures,
            f"client:{client}": self.policy.client_max_failures,
        }

    async def retry_after(self, login: str, client: str, now: datetime) -> int | None:
        wait = 0.0
        for key, limit in self._keys(login, client).items():
            recent = sorted(t for t in self.failures.get(key, []) if t > now - self.policy.window)
            if len(recent) >= limit:
                wait = max(wait, (recent[-limit] + self.policy.window - now).total_seconds())
        return max(1, math.ceil(wait)) if wait > 0 else None

    async def failed(self, login: str, client: str, now: datetime) -> None:
        for key in self._keys(login, client):
            self.failures.setdefault(key, []).append(now)

    async def succeeded(self, login: str) -> None:
        self.failures.pop(f"login:{login}", None)

    async def ensure_indexes(self) -> None:
        return None


# === ocr_qr and notifier (h3) ===================================================================
# (FakeOutbox, above, serves these ports too.)


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

    async def get_all(self, declaration_id: str, file_ids: Mapping[str, str]) -> dict[str, bytes]:
        return {kind: await self.get(fid, declaration_id, kind) for kind, fid in file_ids.items()}


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

    async def sight_all(
        self, hashes: list[str], declaration_id: str, reference: str | None
    ) -> None:
        for sha256 in hashes:
            await self.sight(sha256, declaration_id, reference)

    async def references_by_image(
        self, hashes: list[str], declaration_id: str
    ) -> dict[str, list[str]]:
        found = {
            sha256: await self.references_with_images([sha256], declaration_id) for sha256 in hashes
        }
        return {sha256: references for sha256, references in found.items() if references}

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

    async def begin(
        self, key: str, declaration_id: str, kind: str, now: datetime
    ) -> dict[str, Any] | None:
        found = self.records.get(key)
        if found is not None and found["status"] in ("sent", "failed"):
            return dict(found)
        record = self.records.setdefault(
            key, {"declaration_id": declaration_id, "kind": kind, "attempts": 0, "pending": []}
        )
        record.update(status="sending", updated_at=now)
        record["attempts"] += 1
        return None if found is None else dict(record)

    async def requeue(self, key: str, event: CloudEvent) -> None:
        self.records[key]["pending"].append(event.wire())

    async def finish(
        self, key: str, status: str, now: datetime, event: CloudEvent, error: str | None = None
    ) -> Queued:
        if self.unwritable:
            self.unwritable -= 1
            raise RecordNotWrittenError("AutoReconnect")
        record = self.records[key]
        if record["status"] != "sending":
            return Queued.NOT_WRITTEN
        record.update(status=status, updated_at=now, error=error)
        first = not record["pending"]
        record["pending"].append(event.wire())
        return Queued.FIRST if first else Queued.BEHIND

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

    async def forget(self, declaration_id: str) -> None:
        self.records.pop(declaration_id, None)
