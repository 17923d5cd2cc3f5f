"""Round trips and writes per declaration on the real MongoDB-protocol server (issue 13): what
each hot path sends is counted with a command listener, and what it leaves is read back.

A relay pass pulls the acked events of every document it found with one write; a photo is
recorded with one conditional update (no findAndModify, which SecantusDB answers by reading
the whole collection); the usual status change is one update; a declaration's photos are
sighted with one write and looked up with one query per collection; a photo is read with
one query (its chunks) and deleted with two writes; a first delivery attempt is one write."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from faststream.nats import NatsBroker
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from tests.support.commands import Commands
from vssid_intake.adapters.declarations import DeclarationStore
from vssid_intake.domain.statuses import Status
from vssid_notifier.adapters.deliveries import DeliveryStore
from vssid_ocr_qr.adapters.scans import ScanStore
from vssid_shared.clock import utc_now
from vssid_shared.contracts import CloudEvent
from vssid_shared.crypto import Keys
from vssid_shared.envelope import new_event
from vssid_shared.images import ImageNotFoundError, ImageVault
from vssid_shared.mongo import Doc
from vssid_shared.outbox import PENDING, OutboxRelay, pending
from vssid_shared.subjects import Event

KEYS = Keys("r" * 40)
NOW = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)


class RecordingRelay(OutboxRelay):
    """The real relay's database work; the publish is recorded (and can be made to fail)."""

    def __init__(self, collections: list[Any], fail_on: str | None = None) -> None:
        super().__init__(cast(NatsBroker, None), collections)
        self.published: list[str] = []
        self.fail_on = fail_on

    async def publish(self, stored: dict[str, Any]) -> None:
        if stored["id"] == self.fail_on:
            raise ConnectionError("broker went away")
        self.published.append(stored["id"])


def an_event(declaration_id: str) -> CloudEvent:
    return new_event(
        Event.SUBMITTED,
        source="tests",
        declaration_id=declaration_id,
        agency_code="4802",
        data={"reference": "4802-AAAAAA"},
        clock=utc_now,
    )


def events(n: int) -> list[dict[str, Any]]:
    declaration_id = str(uuid.uuid4())
    return [pending(an_event(declaration_id)) for _ in range(n)]


async def waiting(db: AsyncDatabase[Doc], name: str, doc_id: str) -> list[str]:
    doc = await db[name].find_one({"_id": doc_id})
    assert doc is not None
    return [e["id"] for e in doc[PENDING]]


async def test_one_relay_pass_pulls_the_events_of_all_its_documents_in_one_write(
    counted_db: tuple[AsyncDatabase[Doc], Commands],
) -> None:
    database, commands = counted_db
    outbox = database["outbox_rounds"]
    await outbox.delete_many({})
    queued = {str(uuid.uuid4()): events(n) for n in (1, 2, 3)}
    for doc_id, stored in queued.items():
        await outbox.insert_one({"_id": doc_id, PENDING: stored})
    relay = RecordingRelay([outbox])
    with commands.during() as sent:
        assert await relay.drain(outbox) == 6
    assert sent == ["find", "update"]  # one query, one $pull for the three documents
    assert sorted(relay.published) == sorted(e["id"] for s in queued.values() for e in s)
    for doc_id in queued:
        assert await waiting(database, "outbox_rounds", doc_id) == []


async def test_a_failed_publish_still_pulls_what_every_document_had_acked(
    counted_db: tuple[AsyncDatabase[Doc], Commands],
) -> None:
    database, _ = counted_db
    outbox = database["outbox_rounds"]
    await outbox.delete_many({})
    first, second = events(2), events(2)
    await outbox.insert_one({"_id": "first", PENDING: first})
    await outbox.insert_one({"_id": "second", PENDING: second})
    relay = RecordingRelay([outbox], fail_on=second[1]["id"])
    with pytest.raises(ConnectionError):
        await relay.drain(outbox)
    assert await waiting(database, "outbox_rounds", "first") == []
    assert await waiting(database, "outbox_rounds", "second") == [second[1]["id"]]
    relay.fail_on = None
    assert await relay.drain(outbox) == 1
    assert relay.published.count(second[0]["id"]) == 1  # acked once, never sent again


async def draft(store: DeclarationStore) -> Doc:
    return await store.create(str(uuid.uuid4()), "token-hash", {"agency_code": "4802"}, NOW)


def photo(file_id: str) -> dict[str, Any]:
    return {"kind": "portrait", "sha256": "00", "size": 1, "file_id": file_id}


async def test_a_photo_is_recorded_with_one_update_naming_the_photo_it_replaced(
    counted_db: tuple[AsyncDatabase[Doc], Commands],
) -> None:
    database, commands = counted_db
    store = DeclarationStore(database, KEYS)
    doc = await draft(store)
    with commands.during() as sent:
        before = await store.set_image(doc["_id"], "portrait", photo("f1"), NOW, seen=doc)
    assert sent == ["update"]
    assert before is not None
    assert "portrait" not in before["images"]
    seen = await store.get(doc["_id"])
    with commands.during() as sent:
        before = await store.set_image(doc["_id"], "portrait", photo("f2"), NOW, seen=seen)
    assert sent == ["update"]
    assert before is not None
    assert before["images"]["portrait"]["file_id"] == "f1"
    # A reader that saw f1 while another upload put f2 there: the guard misses, the photo is
    # read again and what is replaced is named exactly (f2 gets deleted, not f1 twice).
    with commands.during() as sent:
        before = await store.set_image(doc["_id"], "portrait", photo("f3"), NOW, seen=seen)
    assert before is not None
    assert before["images"]["portrait"]["file_id"] == "f2"
    assert "findAndModify" not in sent
    stored = await store.get(doc["_id"])
    assert stored is not None
    assert stored["images"]["portrait"]["file_id"] == "f3"


async def test_a_photo_for_a_declaration_no_longer_a_draft_is_refused(
    counted_db: tuple[AsyncDatabase[Doc], Commands],
) -> None:
    database, _ = counted_db
    store = DeclarationStore(database, KEYS)
    doc = await draft(store)
    await database["declarations"].update_one(
        {"_id": doc["_id"]}, {"$set": {"status": "submitted"}}
    )
    assert await store.set_image(doc["_id"], "portrait", photo("f1"), NOW, seen=doc) is None
    stored = await store.get(doc["_id"])
    assert stored is not None
    assert stored["images"] == {}


async def test_the_usual_status_change_is_one_write_and_a_copy_changes_nothing(
    counted_db: tuple[AsyncDatabase[Doc], Commands],
) -> None:
    database, commands = counted_db
    store = DeclarationStore(database, KEYS)
    doc = await draft(store)
    declarations = database["declarations"]
    await declarations.update_one({"_id": doc["_id"]}, {"$set": {"status": Status.SUBMITTED}})
    entry = {"status": Status.AWAITING_VERIFICATION, "at": NOW}
    before = (Status.SUBMITTED,)
    # The scan not recorded yet: nothing is written, the caller retries.
    assert not await store.move_on(doc["_id"], "e1", entry, before, scanned=True)
    assert (await store.get(doc["_id"]) or {})["status"] == Status.SUBMITTED
    await store.set_enrichment(doc["_id"], {"qr": {"found": False}})
    with commands.during() as sent:
        assert await store.move_on(doc["_id"], "e1", entry, before, scanned=True)
    assert sent == ["update"]
    stored = await store.get(doc["_id"])
    assert stored is not None
    assert stored["status"] == Status.AWAITING_VERIFICATION
    assert [e["status"] for e in stored["timeline"]] == [Status.DRAFT, Status.AWAITING_VERIFICATION]
    assert stored["applied_events"] == ["e1"]
    # A redelivery, or a reconciler's copy under a fresh id: no second timeline entry.
    assert not await store.move_on(doc["_id"], "e1", entry, before, scanned=True)
    assert not await store.move_on(doc["_id"], "e2", entry, (Status.AWAITING_VERIFICATION,))
    again = await store.get(doc["_id"])
    assert again is not None
    assert len(again["timeline"]) == 2
    assert again["applied_events"] == ["e1"]


async def test_a_declarations_photos_are_sighted_in_one_write_and_looked_up_once(
    counted_db: tuple[AsyncDatabase[Doc], Commands],
) -> None:
    database, commands = counted_db
    store = ScanStore(database)
    await store.ensure_indexes()
    mark = uuid.uuid4().hex[:8]
    portrait, front, back = (f"{mark}{kind}".ljust(64, "0") for kind in ("p", "f", "b"))
    await store.sight(front, "other-a", "4802-AAAAAA")
    await store.sight(back, "other-b", "0101-BBBBBB")
    with commands.during() as sent:
        await store.sight_all([portrait, front, back], "mine", "4802-MINE01")
        found = await store.references_by_image([portrait, front, back], "mine")
    assert sent == ["update", "find", "find"]  # one write for the three photos
    assert found == {front: ["4802-AAAAAA"], back: ["0101-BBBBBB"]}
    # The others see this declaration's photos from now on (written before they look).
    assert await store.references_with_images([front], "other-a") == ["4802-MINE01"]


async def test_a_photo_is_read_with_one_query_and_deleted_with_two_writes(
    counted_db: tuple[AsyncDatabase[Doc], Commands],
) -> None:
    database, commands = counted_db
    vault = ImageVault(database, KEYS.images)
    photo = uuid.uuid4().bytes * 40_000  # 640 KB: three chunks
    with commands.during() as sent:
        file_id = await vault.put("d-1", "portrait", photo, {})
    assert sent.count("find") == 0
    assert sent[-2:] == ["insert", "insert"]  # the chunks, then the file document
    with commands.during() as sent:
        assert await vault.get(file_id, "d-1", "portrait") == photo
    assert sent == ["find"]  # the chunks alone, not the file document first
    # A declaration's three photos, as ocr_qr reads them: one query for all.
    kinds = {"portrait": photo, "id_front": photo[:300_000], "id_back": b"small"}
    ids = {kind: await vault.put("d-1", kind, data, {}) for kind, data in kinds.items()}
    with commands.during() as sent:
        assert await vault.get_all("d-1", ids) == kinds
    assert sent == ["find"]
    with commands.during() as sent:
        await vault.delete(file_id)
    assert sent == ["delete", "delete"]
    with pytest.raises(ImageNotFoundError):
        await vault.get_all("d-1", {**ids, "portrait": file_id})
    with commands.during() as sent, pytest.raises(ImageNotFoundError):
        await vault.get(file_id, "d-1", "portrait")
    assert sent == ["find"]


async def test_a_first_delivery_attempt_is_one_write_and_a_done_one_writes_nothing(
    counted_db: tuple[AsyncDatabase[Doc], Commands],
) -> None:
    database, commands = counted_db
    store = DeliveryStore(database)
    declaration_id = str(uuid.uuid4())
    key = f"{declaration_id}:copy"
    with commands.during() as sent:
        assert await store.begin(key, declaration_id, "copy", NOW) is None
    assert sent == ["update"]  # no read before the attempt's record
    # A redelivery of an attempt whose outcome is unknown: counted, and named as such.
    with commands.during() as sent:
        again = await store.begin(key, declaration_id, "copy", NOW)
    assert again is not None
    assert (again["status"], again["attempts"]) == ("sending", 2)
    assert sent == ["update", "find"]
    await store.finish(key, "sent", NOW, an_event(declaration_id))
    before = await database["deliveries"].find_one({"_id": key})
    # Done: the conditional upsert misses and collides; the record is read, not changed.
    with commands.during() as sent:
        done = await store.begin(key, declaration_id, "copy", NOW)
    assert done is not None
    assert (done["status"], done["attempts"]) == ("sent", 2)
    assert sent == ["update", "find"]
    assert await database["deliveries"].find_one({"_id": key}) == before


async def test_an_expired_delivery_record_is_a_first_attempt_again(
    counted_db: tuple[AsyncDatabase[Doc], Commands],
) -> None:
    database, _ = counted_db
    store = DeliveryStore(database)
    declaration_id = str(uuid.uuid4())
    key = f"{declaration_id}:sms_password"
    assert await store.begin(key, declaration_id, "sms_password", NOW) is None
    await database["deliveries"].delete_one({"_id": key})  # the TTL monitor's work
    assert await store.begin(key, declaration_id, "sms_password", NOW) is None
    stored = await database["deliveries"].find_one({"_id": key})
    assert stored is not None
    assert (stored["status"], stored["attempts"]) == ("sending", 1)


class RacedDeliveries(DeliveryStore):
    """Another copy's first attempt lands between this upsert's miss and its insert: what
    the server answers then (a duplicate key over a record that is `sending`, not done)."""

    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        super().__init__(db)
        self.db, self.raced = db, False

    async def _attempt(self, key: str, declaration_id: str, kind: str, now: datetime) -> Doc | None:
        if not self.raced:
            self.raced = True
            await DeliveryStore(self.db).begin(key, declaration_id, kind, now)
            raise DuplicateKeyError("E11000 duplicate key error", 11000)
        return await super()._attempt(key, declaration_id, kind, now)


async def test_a_first_attempt_that_raced_another_is_counted_and_sent_again(
    counted_db: tuple[AsyncDatabase[Doc], Commands],
) -> None:
    database, _ = counted_db
    store = RacedDeliveries(database)
    declaration_id = str(uuid.uuid4())
    key = f"{declaration_id}:copy"
    found = await store.begin(key, declaration_id, "copy", NOW)
    # Not taken for done: the attempt is recorded (the second) and the send goes ahead, with
    # the same key, as when both copies had read no record before.
    assert found is not None
    assert (found["status"], found["attempts"]) == ("sending", 2)
