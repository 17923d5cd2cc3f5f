"""Every query the stores, the sweeper and the outbox relays send is served by an index.

The queries are not written out here: the test runs the real code paths on the real
MongoDB-protocol server (SecantusDB) with a command listener on the client, then asks the
server to `explain` each filter that was sent and fails on a collection scan. A query added
later without an index fails this test the day it is added.

SecantusDB's explain reports the plan its executor takes (`IXSCAN` or `COLLSCAN` under
`queryPlanner.winningPlan`, as mongod does), with one difference measured on 0.7.0b3: a filter
with an `_id` equality plus other fields is executed as a point lookup on `_id` (1 ms on
20,000 documents) while explain reports `COLLSCAN`. Such filters count as served here; an
`_id` next to an `$or` is not a point lookup there (it scans) and is not accepted.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

import pytest
from faststream.nats import NatsBroker
from pymongo import AsyncMongoClient, MongoClient, monitoring
from pymongo.asynchronous.database import AsyncDatabase

from tests.support.clock import FrozenClock
from vssid.devstack import Stack
from vssid_intake.adapters.accounts import AccountStore
from vssid_intake.adapters.declarations import DeclarationStore
from vssid_intake.adapters.registry import RegistryStore
from vssid_intake.domain.registry import InsuredPerson, match_material
from vssid_intake.domain.statuses import Status
from vssid_notifier.adapters.deliveries import DeliveryStore
from vssid_ocr_qr.adapters.scans import ScanStore
from vssid_review import handlers as review_handlers
from vssid_review.adapters.cases import CaseStore
from vssid_review.adapters.operators import OperatorStore
from vssid_review.domain.paging import search_hashes
from vssid_review.ports import Deps as ReviewDeps
from vssid_review.ports import SweepPolicy
from vssid_shared.clock import utc_now
from vssid_shared.contracts import DeliveryReceipt, Scanned, typed
from vssid_shared.crypto import Keys
from vssid_shared.envelope import CloudEvent, new_event
from vssid_shared.images import ImageVault
from vssid_shared.mongo import Doc
from vssid_shared.outbox import OutboxRelay
from vssid_shared.subjects import Event

KEYS = Keys("q" * 40)
AGENCY = "4802"
OPENED = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)
# Commands that read or write by a filter; inserts and index builds have none to plan.
FILTERED = ("find", "aggregate", "count", "update", "delete", "findAndModify", "distinct")


@dataclass
class Sent:
    collection: str
    filter: Doc
    sort: Doc | None = None
    limit: int | None = None


@dataclass
class Recorder(monitoring.CommandListener):
    """Every filter the code under test sent, with the collection and sort it went with."""

    sent: list[Sent] = field(default_factory=list)
    recording: bool = True

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if self.recording and event.command_name in FILTERED:
            self.sent.extend(filters_of(event.command_name, dict(event.command)))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


def filters_of(name: str, command: Doc) -> list[Sent]:
    coll = str(command[name])
    if name == "find":
        return [Sent(coll, command.get("filter") or {}, command.get("sort"), command.get("limit"))]
    if name == "aggregate":
        first = (command.get("pipeline") or [{}])[0]
        return [Sent(coll, first.get("$match", {}))]
    if name == "update":
        return [Sent(coll, u["q"]) for u in command["updates"]]
    if name == "delete":
        return [Sent(coll, d["q"], limit=d.get("limit")) for d in command["deletes"]]
    if name == "findAndModify":
        return [Sent(coll, command.get("query") or {}, command.get("sort"))]
    return [Sent(coll, command.get("query") or {})]


def point_lookup(query: Doc) -> bool:
    """An `_id` equality (or `$in` of them) with no `$`-operator beside it at the top."""
    by_id = query.get("_id")
    if by_id is None or any(k.startswith("$") for k in query):
        return False
    return not isinstance(by_id, dict) or set(by_id) <= {"$eq", "$in"}


def stages(plan: Doc) -> Iterator[str]:
    yield str(plan.get("stage"))
    if "inputStage" in plan:
        yield from stages(plan["inputStage"])
    for child in plan.get("inputStages", []):
        yield from stages(child)


class QuietRelay(OutboxRelay):
    """The real relay's queries; publishing is the broker's business, not this test's."""

    async def publish(self, stored: dict[str, Any]) -> None:
        return None


@dataclass
class FakeKick:
    def kick(self) -> None:
        return None

    def kick_first(self, collection: str, doc_id: Any, events: Sequence[Any]) -> None:
        return None


def scanned(case_id: str, name: str, id_number: str, images: dict[str, Doc]) -> CloudEvent:
    declaration = {
        "full_name": name,
        "email": "x@example.com",
        "social_insurance_number": "4890012345",
        "id_document": {"number": id_number},
    }
    sealed: Doc = {"card": None, "discrepancies": [], "declaration": declaration}
    data = {
        "reference": f"{AGENCY}-{uuid.uuid4().hex[:6].upper()}",
        "agency": {"code": AGENCY, "name": "BHXH quận Thanh Khê"},
        "images": images,
        "qr": {"found": False},
        "findings": [],
        "sealed": KEYS.events.seal_json(sealed, case_id),
    }
    return new_event(
        Event.SCANNED,
        source="tests",
        declaration_id=case_id,
        agency_code=AGENCY,
        data=data,
        clock=utc_now,
    )


@pytest.fixture
async def recorded(stack: Stack, mongo_db_name: str) -> AsyncIterator[tuple[Recorder, str]]:
    recorder = Recorder(recording=False)
    client: AsyncMongoClient[Doc] = AsyncMongoClient(stack.mongo_url, event_listeners=[recorder])
    try:
        await exercise(client[mongo_db_name], recorder)
        yield recorder, mongo_db_name
    finally:
        await client.close()


async def exercise(db: AsyncDatabase[Doc], recorder: Recorder) -> None:
    """Runs each store's hot paths once, recording only what they send (not the set-up)."""
    cases, operators = CaseStore(db), OperatorStore(db)
    declarations, accounts = DeclarationStore(db, KEYS), AccountStore(db, KEYS)
    registry, scans, deliveries = RegistryStore(db, KEYS), ScanStore(db), DeliveryStore(db)
    outboxes = [db[name] for name in ("cases", "declarations", "accounts")]
    outboxes += [db["scans"], db["deliveries"]]
    relay = QuietRelay(cast(NatsBroker, None), outboxes)
    for store in (cases, operators, declarations, accounts, registry, scans, relay):
        await store.ensure_indexes()
    clock = FrozenClock(OPENED)
    vault = ImageVault(db, KEYS.images)
    review = ReviewDeps(cases, vault, FakeKick(), KEYS, clock, 30)
    rh = review_handlers
    op, token = await operators.add("Nguyễn Văn B", AGENCY, OPENED)
    recorder.recording = True

    # review: cases open, are listed, searched, read, decided, swept.
    ids = [str(uuid.uuid4()) for _ in range(4)]
    photo_id = await vault.put(ids[3], "portrait", b"portrait", {})
    photo = {"file_id": photo_id, "sha256": "00", "content_type": "image/jpeg"}
    for n, case_id in enumerate(ids):
        clock.now = OPENED + timedelta(minutes=n)
        images = {"portrait": photo} if n == 3 else {}
        event = scanned(case_id, "Nguyễn Văn Bảo", "048090900101", images)
        await rh.open_case(typed(event, Scanned), deps=review)
    assert await operators.by_token(token) is not None
    first = await cases.queue(AGENCY, "awaiting_verification", limit=2, after=None)
    await cases.queue(AGENCY, "awaiting_verification", limit=2, after=first.next_key)
    await cases.queue(AGENCY, None, limit=2, after=first.next_key)
    # The queue's filters (issue 17): findings, deadline, both, with and without a status.
    for status in ("awaiting_verification", None):
        warned = await cases.queue(AGENCY, status, limit=1, after=None, with_findings=True)
        await cases.queue(AGENCY, status, limit=1, after=warned.next_key, with_findings=True)
        due = await cases.queue(AGENCY, status, limit=1, after=None, due_by=date(2026, 4, 30))
        await cases.queue(AGENCY, status, limit=1, after=due.next_key, due_by=date(2026, 4, 30))
        await cases.queue(
            AGENCY, status, limit=1, after=None, with_findings=True, due_by=date(2026, 4, 30)
        )
    hashes = search_hashes(KEYS, "nguyen van bao")
    await cases.search(AGENCY, None, reference="X", hashes=hashes, limit=2, after=None)
    case = await rh.read_case(rh.ReadCase(op, ids[1]), deps=review)
    await rh.find_case_by_reference(rh.FindCase(op, case["reference"]), deps=review)
    await cases.others_with_id_number(case["id_number_hash"], ids[1])
    await rh.read_case_image(rh.ReadCaseImage(op, ids[3], "portrait"), deps=review)
    receipt = new_event(
        Event.COPY_MAILED,
        source="t",
        declaration_id=ids[1],
        agency_code=AGENCY,
        data={"kind": "copy", "status": "sent"},
        clock=utc_now,
    )
    await rh.record_delivery(typed(receipt, DeliveryReceipt), deps=review)
    await cases.history(ids[1])
    await cases.others_with_images(["0" * 64], ids[1])
    await cases.has_receipt(ids[1], "delivery:copy")
    await cases.decision(ids[1])
    await rh.verify_case(rh.VerifyCase(op, ids[1], None), deps=review)
    await rh.reject_case(rh.RejectCase(op, ids[0], "ảnh mờ"), deps=review)
    policy = SweepPolicy(5, 60.0, 0, 900.0, 5)
    clock.now = OPENED + timedelta(days=27)  # reminders
    await rh.sweep_deadlines(policy, deps=review)
    clock.now = OPENED + timedelta(days=40)  # expiry and photos purged
    await rh.sweep_deadlines(policy, deps=review)

    # intake: a declaration from draft to submitted, the registry, an account.
    draft = str(uuid.uuid4())
    await declarations.create(draft, "token-hash", {}, OPENED)
    await declarations.save_fields(draft, {"id_document": {"number": "1"}}, OPENED)
    drafted = await declarations.get(draft)
    meta = {"kind": "portrait", "sha256": "00", "file_id": "f1"}
    await declarations.set_image(draft, "portrait", meta, OPENED, seen=drafted)
    await declarations.set_image(draft, "portrait", {**meta, "file_id": "f2"}, OPENED)
    submitted = new_event(
        Event.SUBMITTED,
        source="t",
        declaration_id=draft,
        agency_code=AGENCY,
        data={},
        clock=utc_now,
    )
    await declarations.submit(draft, reference="4802-AAAAAA", key_hash=None, event=submitted)
    await declarations.record_event(draft, submitted.id, {"status": "scanned", "at": OPENED})
    await declarations.advance(draft, Status.AWAITING_VERIFICATION, (Status.SUBMITTED,))
    await declarations.set_enrichment(draft, {"qr": {"found": False}})
    entry = {"status": Status.VERIFIED, "at": OPENED}
    await declarations.move_on(draft, "e-1", entry, (Status.AWAITING_VERIFICATION,), scanned=True)
    person = InsuredPerson(
        social_insurance_number="4890012345",
        full_name="Nguyễn Văn Bảo",
        date_of_birth=date(1990, 3, 15),
        province_code="48",
        gender="male",
    )
    await registry.upsert_many([person])
    await registry.find(match_material("Nguyễn Văn Bảo", date(1990, 3, 15), "48"))
    await accounts.activate("4890012345", draft, "hash", submitted, OPENED)
    await accounts.get(accounts.key("4890012345"))

    # ocr_qr and notifier.
    sha = hashlib.sha256(b"x").hexdigest()
    await scans.sight(sha, draft, "4802-AAAAAA")
    await scans.references_with_images([sha], draft)
    await scans.sight_all([sha, "1" * 64], draft, "4802-AAAAAA")
    await scans.references_by_image([sha, "1" * 64], draft)
    await scans.exists(draft)
    await scans.record(draft, {"image_sha256": [sha]}, submitted, OPENED)
    assert await deliveries.begin(f"{draft}:copy", draft, "copy", OPENED) is None
    assert await deliveries.begin(f"{draft}:copy", draft, "copy", OPENED) is not None
    await deliveries.finish(f"{draft}:copy", "sent", OPENED, submitted)
    assert await deliveries.begin(f"{draft}:copy", draft, "copy", OPENED) is not None

    # The relays, with events waiting and with none.
    assert await relay.drain_all() > 0
    assert await relay.drain_all() == 0
    recorder.recording = False


def unserved(db: Any, sent: Sent) -> list[str] | None:
    """The plan's stages when the server would scan the collection for this filter."""
    if point_lookup(sent.filter):
        return None
    if not sent.filter and sent.limit == 1:
        return None  # "is there any document at all" (GridFS asks it before its first write)
    command: Doc = {"find": sent.collection, "filter": sent.filter}
    if sent.sort:
        command["sort"] = sent.sort
    explained = db.command("explain", command, verbosity="queryPlanner")
    plan = list(stages(explained["queryPlanner"]["winningPlan"]))
    return plan if "COLLSCAN" in plan or "IXSCAN" not in plan else None


async def test_every_query_sent_is_served_by_an_index(
    stack: Stack, recorded: tuple[Recorder, str]
) -> None:
    recorder, db_name = recorded
    client: MongoClient[Doc] = MongoClient(stack.mongo_url)
    try:
        db = client[db_name]
        scans = [(s, unserved(db, s)) for s in recorder.sent]
        # The check itself sees a scan: a second field beside an indexed one is not served.
        assert unserved(db, Sent("operators", {"token_hash": "x", "active": True}))
    finally:
        client.close()
    collections = {s.collection for s in recorder.sent}
    # The test saw the hot paths it meant to (a refactor that skips one must say so here).
    assert {"cases", "case_audit", "case_deliveries", "operators", "declarations"} <= collections
    assert {"registry", "accounts", "scans", "image_sightings", "deliveries"} <= collections
    assert {"images.files", "images.chunks"} <= collections
    deleted = [
        s for s in recorder.sent if s.collection == "images.chunks" and "files_id" in s.filter
    ]
    assert len(deleted) == 2  # read once, then deleted when the expired case's photos go
    bad = [f"{s.collection} {s.filter} sort={s.sort}: {plan}" for s, plan in scans if plan]
    assert not bad, "\n".join(bad)
