"""intake's MongoDB round trips per declaration on the real MongoDB-protocol server (issue 13,
fifth round): intake's own stores, wired by its `bootstrap` on a client with a command
listener, driven through its use cases in the order its routes call them; every command sent
is counted by collection, and what the declaration holds afterwards is read back.

The cuts: a new declaration's data key is not read back (this process just wrote it); a photo
upload reads the declaration once (the route's access check; `put_image` reuses that read); a
won submit and a draft's edit answer from what they wrote, no read back; a scan with no status
held for it is stored with one guarded write and no read. Each check they replaced stays (a
stranger's token, a declaration no longer a draft, a concurrent edit)."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import SecretStr
from pymongo import AsyncMongoClient

from tests.support.applicant import BAO, portrait_jpeg
from tests.support.commands import Commands, Counting
from vssid.devstack import Stack
from vssid_intake.bootstrap import App, bootstrap
from vssid_intake.domain.errors import ConflictError, NotFoundError
from vssid_intake.domain.statuses import Status
from vssid_intake.entrypoints.views import declaration_view
from vssid_intake.handlers import (
    CreateDeclaration,
    PutImage,
    ReadDeclaration,
    SubmitDeclaration,
    UpdateDeclaration,
    create_declaration,
    put_image,
    read_declaration,
    record_scan,
    record_status,
    submit_declaration,
    update_declaration,
)
from vssid_intake.settings import IntakeSettings
from vssid_shared.clock import utc_now
from vssid_shared.contracts import CloudEvent, Envelope, Scanned, StatusChanged, typed
from vssid_shared.crypto import Keys
from vssid_shared.doc import Doc
from vssid_shared.envelope import new_event
from vssid_shared.messaging import make_broker
from vssid_shared.nats_login import NatsLogin
from vssid_shared.runtime import Runtime
from vssid_shared.shredding import DataKeys, attach_data_keys
from vssid_shared.subjects import Event

REF, REF2 = "4802-ZZZZZ1", "4802-ZZZZZ2"
KINDS = ("portrait", "id_front", "id_back")


@dataclass
class Intake:
    app: App
    commands: Commands

    def during(self) -> Counting:
        return self.commands.during()


@pytest.fixture(scope="module")
async def intake(stack: Stack) -> AsyncIterator[Intake]:
    """intake's composition root as its process builds it, its client listened to."""
    login = stack.nats_login("intake")
    settings = IntakeSettings(
        env="test",
        mongo_url=stack.mongo_url,
        mongo_db=f"t_intake_round_trips_{uuid.uuid4().hex[:10]}",
        nats_url=stack.nats_url,
        nats_user=login.user,
        nats_password=SecretStr(login.password) if login.password else None,
    )
    commands = Commands()
    client: AsyncMongoClient[Doc] = AsyncMongoClient(
        settings.mongo_url, tz_aware=True, event_listeners=[commands]
    )
    secret = settings.secret_key.get_secret_value()
    keys, db = Keys(secret), client[settings.mongo_db]
    attach_data_keys(keys, db, secret, settings.mongo_url)
    runtime = Runtime(
        settings=settings,
        client=client,
        db=db,
        broker=make_broker(NatsLogin.from_settings(settings)),  # never started: no relay
        keys=keys,
    )
    app = bootstrap(settings, runtime=runtime)
    for ensure in app.indexes:
        await ensure()
    try:
        yield Intake(app, commands)
    finally:
        await client.drop_database(settings.mongo_db)
        assert keys.data is not None
        keys.data.close()
        await client.close()
        app.stop()


def fields() -> dict[str, Any]:
    return {**BAO, "social_insurance_number": f"48{uuid.uuid4().int % 10**8:08d}"}


async def upload(intake: Intake, declaration_id: str, token: str, kind: str, seed: int) -> None:
    """What `PUT /v1/declarations/{id}/images/{kind}` calls: the access check, then the photo."""
    deps = intake.app.deps
    doc = await read_declaration(ReadDeclaration(declaration_id, token), deps=deps)
    command = PutImage(declaration_id, token, kind, portrait_jpeg(seed), seen=doc)
    await put_image(command, deps=deps)


async def test_a_new_draft_is_one_data_key_write_and_one_insert(intake: Intake) -> None:
    deps = intake.app.deps
    with intake.during() as commands:
        doc, token = await create_declaration(CreateDeclaration(fields()), deps=deps)
    # Before: the key's upsert was followed by a read of the key just written.
    assert commands.by_collection() == Counter(
        {("update", "data_keys"): 1, ("insert", "declarations"): 1}
    )
    # The key this process keeps is the one stored: the draft opens after the cache is gone.
    assert isinstance(deps.keys.data, DataKeys)
    deps.keys.data.cache.forget(doc["_id"])
    read = await read_declaration(ReadDeclaration(doc["_id"], token), deps=deps)
    assert deps.declarations.open_fields(read)["full_name"] == BAO["full_name"]
    # The answer is the document written, as a later read shows it (times in milliseconds).
    assert declaration_view(doc, deps.declarations) == declaration_view(read, deps.declarations)


async def test_a_second_key_for_the_same_declaration_keeps_the_first(intake: Intake) -> None:
    """The upsert did not insert (an earlier writer's key is there): that key is read."""
    deps = intake.app.deps
    doc, token = await create_declaration(CreateDeclaration(fields()), deps=deps)
    assert deps.keys.data is not None
    with intake.during() as commands:
        await deps.keys.data.create(doc["_id"], utc_now())
    assert commands.by_collection() == Counter(
        {("update", "data_keys"): 1, ("find", "data_keys"): 1}
    )
    read = await read_declaration(ReadDeclaration(doc["_id"], token), deps=deps)
    assert deps.declarations.open_fields(read)["full_name"] == BAO["full_name"]


async def test_a_photo_upload_reads_the_declaration_once(intake: Intake) -> None:
    deps = intake.app.deps
    doc, token = await create_declaration(CreateDeclaration(fields()), deps=deps)
    with intake.during() as commands:
        await upload(intake, doc["_id"], token, "portrait", 1)
    # Before: `put_image` read the declaration the route had just read (2 finds).
    assert commands.by_collection() == Counter(
        {
            ("find", "declarations"): 1,
            ("insert", "images.chunks"): 1,
            ("insert", "images.files"): 1,
            ("update", "declarations"): 1,
        }
    )
    with intake.during() as commands:  # a replacement also deletes the photo it replaced
        await upload(intake, doc["_id"], token, "portrait", 2)
    assert commands.by_collection()[("find", "declarations")] == 1
    assert commands.by_collection()[("delete", "images.chunks")] == 1
    stored = await deps.declarations.get(doc["_id"])
    assert stored is not None
    assert list(stored["images"]) == ["portrait"]
    assert await deps.images.get(stored["images"]["portrait"]["file_id"], doc["_id"], "portrait")


async def test_a_photo_upload_still_checks_the_token_and_the_draft(intake: Intake) -> None:
    deps = intake.app.deps
    doc, token = await create_declaration(CreateDeclaration(fields()), deps=deps)
    seen = await read_declaration(ReadDeclaration(doc["_id"], token), deps=deps)
    # A read handed with another token: that token is checked against the store.
    stranger = PutImage(doc["_id"], "wrong", "portrait", portrait_jpeg(3), seen=seen)
    with pytest.raises(NotFoundError):
        await put_image(stranger, deps=deps)
    # A read gone stale (the declaration was submitted since): the conditional write refuses
    # and the photo just stored goes again.
    event = review_event(Event.SUBMITTED, doc["_id"])
    assert await deps.declarations.submit(doc["_id"], reference=REF, key_hash=None, event=event)
    with pytest.raises(ConflictError):
        await put_image(
            PutImage(doc["_id"], token, "portrait", portrait_jpeg(4), seen=seen), deps=deps
        )
    stored = await deps.declarations.get(doc["_id"])
    assert stored is not None
    assert stored["images"] == {}
    files = intake.app.runtime.db["images.files"]
    assert await files.count_documents({"metadata.declaration_id": doc["_id"]}) == 0


async def complete_draft(intake: Intake) -> tuple[str, str]:
    deps = intake.app.deps
    doc, token = await create_declaration(CreateDeclaration(fields()), deps=deps)
    for seed, kind in enumerate(KINDS):
        await upload(intake, doc["_id"], token, kind, 10 + seed)
    return doc["_id"], token


async def test_a_won_submit_answers_from_what_it_wrote(intake: Intake) -> None:
    deps = intake.app.deps
    declaration_id, token = await complete_draft(intake)
    command = SubmitDeclaration(declaration_id, token, idempotency_key="k-1")
    with intake.during() as commands:
        answer = await submit_declaration(command, deps=deps)
    # Before: a read of the declaration after the submit's write (2 finds).
    assert commands.by_collection() == Counter(
        {
            ("find", "declarations"): 1,
            ("find", "registry"): 1,
            ("find", "accounts"): 1,
            ("update", "declarations"): 1,
        }
    )
    stored = await deps.declarations.get(declaration_id)
    assert stored is not None
    assert stored["status"] == answer["status"] == Status.SUBMITTED
    assert stored["reference"] == answer["reference"]
    assert stored["submit_key_hash"] == answer["submit_key_hash"]
    # What the client is answered is what a later read shows, times as stored (milliseconds).
    assert declaration_view(answer, deps.declarations) == declaration_view(
        stored, deps.declarations
    )
    # A retry with the same key reads what is stored (the replay), another key is refused.
    with intake.during() as commands:
        again = await submit_declaration(command, deps=deps)
    assert again["reference"] == answer["reference"]
    assert commands.by_collection() == Counter({("find", "declarations"): 1})
    with pytest.raises(ConflictError):
        await submit_declaration(SubmitDeclaration(declaration_id, token, "k-2"), deps=deps)


async def test_an_edit_answers_from_what_it_wrote_unless_the_draft_moved(intake: Intake) -> None:
    deps = intake.app.deps
    doc, token = await create_declaration(CreateDeclaration(fields()), deps=deps)
    edit = UpdateDeclaration(doc["_id"], token, {"address": "Số 1, Hải Châu, Đà Nẵng"})
    with intake.during() as commands:
        answer = await update_declaration(edit, deps=deps)
    # Before: a second read after the write (2 finds).
    assert commands.by_collection() == Counter(
        {("find", "declarations"): 1, ("update", "declarations"): 1}
    )
    stored = await deps.declarations.get(doc["_id"])
    assert stored is not None
    assert deps.declarations.open_fields(answer) == deps.declarations.open_fields(stored)
    assert answer["updated_at"] == stored["updated_at"]
    assert declaration_view(answer, deps.declarations) == declaration_view(
        stored, deps.declarations
    )
    assert answer["images"] == stored["images"] == {}
    # A photo stored between this edit's read and its write: the guard misses, the plain
    # write and a read answer the photo too.
    seen = await deps.declarations.get(doc["_id"])
    assert seen is not None
    await upload(intake, doc["_id"], token, "portrait", 20)
    fields_now = {**deps.declarations.open_fields(seen), "address": "Số 2, Hải Châu"}
    saved = await deps.declarations.save_fields(doc["_id"], fields_now, utc_now(), seen=seen)
    assert saved is not None
    assert list(saved["images"]) == ["portrait"]
    assert deps.declarations.open_fields(saved)["address"] == "Số 2, Hải Châu"
    # No longer a draft: refused, whatever was seen.
    event = review_event(Event.SUBMITTED, doc["_id"])
    assert await deps.declarations.submit(doc["_id"], reference=REF2, key_hash=None, event=event)
    assert (
        await deps.declarations.save_fields(doc["_id"], fields_now, utc_now(), seen=saved) is None
    )
    with pytest.raises(ConflictError):
        await update_declaration(edit, deps=deps)


async def submitted(intake: Intake) -> str:
    deps = intake.app.deps
    doc, _ = await create_declaration(CreateDeclaration(fields()), deps=deps)
    event = review_event(Event.SUBMITTED, doc["_id"])
    reference = f"4802-{uuid.uuid4().hex[:6].upper()}"
    assert await deps.declarations.submit(
        doc["_id"], reference=reference, key_hash=None, event=event
    )
    return str(doc["_id"])


def scanned(intake: Intake, declaration_id: str) -> Envelope[Scanned]:
    sealed = intake.app.deps.keys.events.seal_json({"card": {"full_name": "Bảo"}}, declaration_id)
    data = {"reference": REF, "sealed": sealed, "qr": {"found": True}, "findings": []}
    event = review_event(Event.SCANNED, declaration_id, data)
    return typed(event, Scanned)


def awaiting(declaration_id: str) -> Envelope[StatusChanged]:
    data = {"reference": REF, "deadline": "2026-12-31"}
    event = review_event(Event.AWAITING_VERIFICATION, declaration_id, data)
    return typed(event, StatusChanged)


async def test_a_scan_with_no_status_held_is_one_write(intake: Intake) -> None:
    deps = intake.app.deps
    declaration_id = await submitted(intake)
    with intake.during() as commands:
        await record_scan(scanned(intake, declaration_id), deps=deps)
    # Before: the write, then a read for a held status.
    assert commands.by_collection() == Counter({("update", "declarations"): 1})
    with intake.during() as commands:  # then the status: one write, as before
        await record_status(awaiting(declaration_id), deps=deps)
    assert commands.by_collection() == Counter({("update", "declarations"): 1})
    stored = await deps.declarations.get(declaration_id)
    assert stored is not None
    assert stored["status"] == Status.AWAITING_VERIFICATION
    assert deps.declarations.open_enrichment(stored) is not None


async def test_a_scan_after_its_status_applies_the_held_status(intake: Intake) -> None:
    deps = intake.app.deps
    declaration_id = await submitted(intake)
    await record_status(awaiting(declaration_id), deps=deps)  # held: no enrichment yet
    stored = await deps.declarations.get(declaration_id)
    assert stored is not None
    assert stored["status"] == Status.SUBMITTED
    assert "held_status" in stored
    with intake.during() as commands:
        await record_scan(scanned(intake, declaration_id), deps=deps)
    # The guarded write misses, the held status is read and applied with the enrichment in
    # one write: three, as before (the write, a read, the held status's write).
    assert commands.pairs == [
        ("update", "declarations"),
        ("find", "declarations"),
        ("update", "declarations"),
    ]
    stored = await deps.declarations.get(declaration_id)
    assert stored is not None
    assert stored["status"] == Status.AWAITING_VERIFICATION
    assert stored["visit_deadline"] == "2026-12-31"
    assert "held_status" not in stored
    assert deps.declarations.open_enrichment(stored) is not None
    statuses = [e["status"] for e in stored["timeline"]]
    assert statuses.count(Status.AWAITING_VERIFICATION) == 1
    await record_scan(scanned(intake, declaration_id), deps=deps)  # a redelivery: no change
    again = await deps.declarations.get(declaration_id)
    assert again is not None
    assert again["timeline"] == stored["timeline"]


def review_event(
    name: Event, declaration_id: str, data: dict[str, Any] | None = None
) -> CloudEvent:
    return new_event(
        name,
        source="tests",
        declaration_id=declaration_id,
        agency_code="4802",
        data=data or {"reference": REF},
        clock=utc_now,
    )


async def test_a_scan_after_a_decision_on_a_held_status_does_not_move_it_back(
    intake: Intake,
) -> None:
    deps = intake.app.deps
    declaration_id = await submitted(intake)
    await record_status(awaiting(declaration_id), deps=deps)  # held
    data = {"reference": REF, "deadline": "2026-12-31"}
    rejected = typed(review_event(Event.REJECTED, declaration_id, data), StatusChanged)
    await record_status(rejected, deps=deps)
    await record_scan(scanned(intake, declaration_id), deps=deps)
    stored = await deps.declarations.get(declaration_id)
    assert stored is not None
    assert stored["status"] == Status.REJECTED
    assert deps.declarations.open_enrichment(stored) is not None
    statuses = [e["status"] for e in stored["timeline"]]
    assert Status.AWAITING_VERIFICATION not in statuses
