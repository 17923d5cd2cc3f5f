"""The workers' round trips per declaration on the real MongoDB-protocol server (issue 13):
what ocr_qr's scan and the notifier's copy send, counted by command and collection with a
command listener, and what they leave read back.

A first delivery of `submitted` is scanned with one sighting write, one sighting lookup and
the record's insert (no "scanned already?" query, no lookup in the scan records once the
older scans are in the sightings); a redelivery asks first and does nothing more; a copy
delivered as new is scanned again and stores nothing. An `awaiting_verification` whose
declaration asked for no copy reads nothing; one that did reads the kept recipient once."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from tests.fakes import FakeDeliveries, FakeInspector, FakeMailer, FakeOutbox, FakeSms
from tests.support.applicant import BAO
from tests.support.clock import START, FrozenClock
from tests.support.commands import Commands
from vssid_notifier.adapters.pdf import render_declaration_pdf
from vssid_notifier.adapters.recipients import RecipientStore
from vssid_notifier.handlers import keep_recipient, mail_declaration_copy
from vssid_notifier.ports import NotifyDeps
from vssid_ocr_qr.adapters.scans import ScanStore
from vssid_ocr_qr.handlers import scan_declaration
from vssid_ocr_qr.ports import ScanDeps
from vssid_shared.clock import utc_now
from vssid_shared.contracts import Envelope, StatusChanged, Submitted, new_event, parse_event
from vssid_shared.crypto import Keys
from vssid_shared.mongo import Doc
from vssid_shared.outbox import PENDING
from vssid_shared.storage_errors import ImageNotFoundError
from vssid_shared.subjects import Event

KEYS = Keys("w" * 40)
TYPED: dict[str, Any] = {**BAO, "phone": "+84905123456"}  # as intake seals it (E.164)


@dataclass
class Photos:
    """The submitted photos in memory (the GridFS read has its own round-trip test)."""

    files: dict[str, bytes] = field(default_factory=dict)

    def put(self, raw: bytes) -> dict[str, str]:
        file_id = uuid.uuid4().hex
        self.files[file_id] = raw
        sha256 = hashlib.sha256(raw).hexdigest()
        return {"file_id": file_id, "sha256": sha256, "content_type": "image/jpeg"}

    async def get(self, file_id: str, declaration_id: str, kind: str) -> bytes:
        if file_id not in self.files:
            raise ImageNotFoundError(file_id)
        return self.files[file_id]

    async def get_all(self, declaration_id: str, file_ids: Mapping[str, str]) -> dict[str, bytes]:
        return {kind: await self.get(f, declaration_id, kind) for kind, f in file_ids.items()}


def submitted(
    declaration_id: str, photos: Photos, images: dict[str, bytes], **data: Any
) -> Envelope[Submitted]:
    event = new_event(
        Event.SUBMITTED,
        source="tests",
        declaration_id=declaration_id,
        agency_code="4802",
        data={
            "reference": f"4802-{declaration_id[:6].upper()}",
            "submitted_at": START.isoformat(),
            "agency": {"code": "4802", "name": "BHXH quận Thanh Khê"},
            "send_email_copy": data.pop("send_email_copy", True),
            "images": {kind: photos.put(raw) for kind, raw in images.items()},
            "sealed": KEYS.events.seal_json(TYPED, declaration_id),
            **data,
        },
        clock=utc_now,
    )
    return parse_event(event.wire(), Submitted)


def scan_deps(store: ScanStore, photos: Photos) -> ScanDeps:
    return ScanDeps(
        scans=store,
        photos=photos,
        sealer=KEYS.events,
        outbox=FakeOutbox(),
        clock=FrozenClock(),
        inspect=FakeInspector(),
    )


async def test_a_first_delivery_is_scanned_with_three_round_trips_and_a_copy_stores_nothing(
    counted_db: tuple[AsyncDatabase[Doc], Commands],
) -> None:
    database, commands = counted_db
    store = ScanStore(database)
    await store.ensure_indexes()
    await store.adopt_older_scans()
    photos = Photos()
    deps = scan_deps(store, photos)
    mark = uuid.uuid4().hex.encode()
    images = {"portrait": b"me" + mark, "id_front": b"front" + mark, "id_back": b"back" + mark}
    declaration_id = str(uuid.uuid4())
    event = submitted(declaration_id, photos, images)

    with commands.during() as sent:
        await scan_declaration(event, deps=deps, first_delivery=True)
    assert sent.pairs == [
        ("update", "image_sightings"),  # the three photos in one upsert
        ("find", "image_sightings"),  # looked up once, the scan records not asked
        ("insert", "scans"),  # the record and its `scanned`
    ]
    # A redelivery asks first, and does nothing more.
    with commands.during() as sent:
        await scan_declaration(event, deps=deps, first_delivery=False)
    assert sent.pairs == [("find", "scans")]
    # A copy delivered as new (a publish past JetStream's duplicate window): scanned again,
    # and its insert collides: one `scanned`, as before.
    with commands.during() as sent:
        await scan_declaration(event, deps=deps, first_delivery=True)
    assert sent.pairs[-1] == ("insert", "scans")
    stored = await database["scans"].find_one({"_id": declaration_id})
    assert stored is not None
    assert len(stored[PENDING]) == 1
    # A reconciler's copy asks first, even as a first delivery, and queues `scanned` again.
    again = submitted(declaration_id, photos, images, reconciled=1)
    with commands.during() as sent:
        await scan_declaration(again, deps=deps, first_delivery=True)
    assert list(sent) == ["find", "find", "update"]
    stored = await database["scans"].find_one({"_id": declaration_id})
    assert stored is not None
    assert len(stored[PENDING]) == 2


async def test_older_scans_are_found_through_the_sightings_once_adopted(
    counted_db: tuple[AsyncDatabase[Doc], Commands],
) -> None:
    database, commands = counted_db
    photos = Photos()
    mark = uuid.uuid4().hex.encode()
    reused = b"front" + mark
    sha256 = hashlib.sha256(reused).hexdigest()
    # A scan recorded before sightings existed: only its record names the photo.
    await database["scans"].insert_one(
        {"_id": str(uuid.uuid4()), "reference": "4802-OLDER1", "image_sha256": [sha256]}
    )
    before = ScanStore(database)
    assert await before.references_by_image([sha256], "mine") == {sha256: ["4802-OLDER1"]}
    store = ScanStore(database)
    await store.adopt_older_scans()
    await ScanStore(database).adopt_older_scans()  # a second start: marked done, reads one mark
    assert await database["migrations"].count_documents({}) == 1

    declaration_id = str(uuid.uuid4())
    event = submitted(declaration_id, photos, {"id_front": reused})
    with commands.during() as sent:
        await scan_declaration(event, deps=scan_deps(store, photos), first_delivery=True)
    assert ("find", "scans") not in sent.pairs
    stored = await database["scans"].find_one({"_id": declaration_id})
    assert stored is not None
    [finding] = [f for f in stored["findings"] if f["code"] == "image_reused"]
    assert "4802-OLDER1" in str(finding)


async def test_a_photo_that_failed_its_checks_is_still_sighted_for_the_others(
    counted_db: tuple[AsyncDatabase[Doc], Commands],
) -> None:
    database, _ = counted_db
    store = ScanStore(database)
    await store.adopt_older_scans()
    photos = Photos()
    raw = b"front" + uuid.uuid4().hex.encode()
    first = submitted(str(uuid.uuid4()), photos, {"id_front": raw})
    photos.files[first.data.images["id_front"].file_id] = b"tampered"  # bytes changed at rest
    await scan_declaration(first, deps=scan_deps(store, photos), first_delivery=True)
    # As the scan record listed it (and the lookup asked it), the sightings hold it.
    sha256 = first.data.images["id_front"].sha256
    assert await store.references_by_image([sha256], "another") == {sha256: [first.data.reference]}


@dataclass
class Notifier:
    deps: NotifyDeps
    mailer: FakeMailer


def notifier(database: AsyncDatabase[Doc]) -> Notifier:
    mailer = FakeMailer()
    deps = NotifyDeps(
        deliveries=FakeDeliveries(),  # the delivery record has its own round-trip test
        recipients=RecipientStore(database),
        mailer=mailer,
        sms=FakeSms(),
        events=KEYS.events,
        passwords=KEYS.passwords,
        records=KEYS.records,
        outbox=FakeOutbox(),
        clock=FrozenClock(),
        sender="VssID <no-reply@vssid.local>",
        locale="vi",
        render_copy=render_declaration_pdf,
        record_retry_seconds=5.0,
    )
    return Notifier(deps, mailer)


def awaiting(declaration_id: str, **data: Any) -> Envelope[StatusChanged]:
    event = new_event(
        Event.AWAITING_VERIFICATION,
        source="tests",
        declaration_id=declaration_id,
        agency_code="4802",
        data={"reference": "4802-ABCDEF", "deadline": "2026-03-31", **data},
        clock=utc_now,
    )
    return parse_event(event.wire(), StatusChanged)


async def test_no_copy_asked_for_reads_nothing_and_one_asked_for_reads_the_recipient_once(
    counted_db: tuple[AsyncDatabase[Doc], Commands],
) -> None:
    database, commands = counted_db
    world = notifier(database)
    photos = Photos()
    asked, not_asked = str(uuid.uuid4()), str(uuid.uuid4())
    for declaration_id, copy in ((asked, True), (not_asked, False)):
        event = submitted(declaration_id, photos, {}, send_email_copy=copy)
        await keep_recipient(event, deps=world.deps)

    with commands.during() as sent:
        await mail_declaration_copy(awaiting(not_asked, send_email_copy=False), deps=world.deps)
    assert sent.pairs == []
    with commands.during() as sent:
        await mail_declaration_copy(awaiting(asked, send_email_copy=True), deps=world.deps)
    assert sent.pairs == [("find", "recipients")]
    [mail] = world.mailer.sent
    assert mail["To"] == BAO["email"]
    # An event from an older review says nothing: the kept record decides, as before.
    with commands.during() as sent:
        await mail_declaration_copy(awaiting(not_asked), deps=world.deps)
    assert sent.pairs == [("find", "recipients")]
    assert len(world.mailer.sent) == 1
