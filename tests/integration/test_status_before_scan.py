"""intake's two durables (`scanned`, `awaiting_verification`) have no order between them: in
either order the declaration ends `awaiting_verification` with its enrichment, the status is
never shown without it, and neither message is retried. Real NATS (intake's own durables and
login), real SecantusDB, intake's own subscribers and stores, in this process."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from pydantic import SecretStr

from vssid.devstack import Stack
from vssid_intake.bootstrap import App, bootstrap
from vssid_intake.domain.statuses import Status
from vssid_intake.entrypoints.worker import register_subscribers
from vssid_intake.settings import IntakeSettings
from vssid_shared.bootstrap import declare_all
from vssid_shared.clock import utc_now
from vssid_shared.data_keys import create_key
from vssid_shared.doc import Doc
from vssid_shared.envelope import CloudEvent, new_event
from vssid_shared.subjects import STREAM, Event, consumer

AWAITING = consumer("intake", Event.AWAITING_VERIFICATION).durable


@pytest.fixture(scope="module")
async def intake(stack: Stack) -> AsyncIterator[App]:
    """intake's subscribers on the stack, as its process runs them (no outbox relay): one for
    the module, as one process serves every message its durables bring."""
    await declare_all(stack.nats_login("bootstrap"))
    login = stack.nats_login("intake")
    settings = IntakeSettings(
        env="test",
        mongo_url=stack.mongo_url,
        mongo_db=f"t_status_before_scan_{uuid.uuid4().hex[:10]}",
        nats_url=stack.nats_url,
        nats_user=login.user,
        nats_password=SecretStr(login.password) if login.password else None,
    )
    app = bootstrap(settings)
    for ensure in app.indexes:
        await ensure()
    register_subscribers(app.runtime.broker, app.deps)
    await app.runtime.broker.start()
    try:
        yield app
    finally:
        await app.runtime.db.client.drop_database(settings.mongo_db)
        await app.runtime.stop()
        app.stop()


async def submitted_declaration(app: App) -> str:
    """A submitted declaration in intake's store, with its data key."""
    declaration_id, now = str(uuid.uuid4()), utc_now()
    await create_key(app.deps.keys, declaration_id, now)
    declarations = app.deps.declarations
    await declarations.create(declaration_id, "token-hash", {"agency_code": "4802"}, now)
    event = review_event(Event.SUBMITTED, declaration_id, {})
    won = await declarations.submit(
        declaration_id, reference=f"4802-{uuid.uuid4().hex[:6]}", key_hash=None, event=event
    )
    assert won
    return declaration_id


def review_event(name: Event, declaration_id: str, data: dict[str, Any]) -> CloudEvent:
    return new_event(
        name,
        source="tests",
        declaration_id=declaration_id,
        agency_code="4802",
        data=data,
        clock=utc_now,
    )


def scanned(app: App, declaration_id: str) -> CloudEvent:
    sealed = app.deps.keys.events.seal_json(
        {"card": {"full_name": "Nguyễn Văn Bảo"}}, declaration_id
    )
    data = {"reference": "4802-XXXXXX", "sealed": sealed, "qr": {"found": True}, "findings": []}
    return review_event(Event.SCANNED, declaration_id, data)


def awaiting(declaration_id: str) -> CloudEvent:
    data = {"reference": "4802-XXXXXX", "deadline": "2026-12-31"}
    return review_event(Event.AWAITING_VERIFICATION, declaration_id, data)


async def publish(stack: Stack, event: CloudEvent) -> None:
    client = await stack.nats_login("ops").connect()  # the one user that may publish any event
    try:
        body = event.model_dump_json().encode()
        await client.jetstream().publish(
            event.nats_subject, body, headers={"Nats-Msg-Id": event.id}, stream=STREAM
        )
    finally:
        await client.close()


async def redelivered(stack: Stack) -> int:
    """Messages intake's `awaiting_verification` durable has had to deliver again, so far."""
    client = await stack.nats_login("intake").connect()  # its own durable's state
    try:
        info = await client.jetstream().consumer_info(STREAM, AWAITING)
        return int(info.num_redelivered or 0)
    finally:
        await client.close()


async def until(check: Callable[[], Awaitable[Doc | None]]) -> Doc:
    """Polls `check` until it answers a document (the condition, not a duration, is the test)."""
    for _ in range(240):
        if (found := await check()) is not None:
            return found
        await asyncio.sleep(0.25)
    raise AssertionError("condition never held")


async def stored(app: App, declaration_id: str) -> Doc:
    doc = await app.deps.declarations.get(declaration_id)
    assert doc is not None
    return doc


def awaits_with_enrichment(app: App, declaration_id: str) -> Callable[[], Awaitable[Doc | None]]:
    async def check() -> Doc | None:
        doc = await stored(app, declaration_id)
        if doc["status"] != Status.AWAITING_VERIFICATION:
            # The guarantee, checked on every look: never the status without the enrichment.
            assert "awaiting_verification" not in [e["status"] for e in doc["timeline"]]
            return None
        assert app.deps.declarations.open_enrichment(doc) is not None
        return doc

    return check


def statuses(doc: Doc) -> list[str]:
    return [e["status"] for e in doc["timeline"]]


async def test_the_status_before_the_scan_is_held_then_applied_with_it(
    stack: Stack, intake: App
) -> None:
    declaration_id = await submitted_declaration(intake)
    before = await redelivered(stack)
    status = awaiting(declaration_id)
    await publish(stack, status)

    async def held() -> Doc | None:
        doc = await stored(intake, declaration_id)
        return doc if "held_status" in doc else None

    doc = await until(held)
    assert doc["status"] == Status.SUBMITTED  # the applicant still sees `submitted`
    assert statuses(doc) == ["draft", "submitted"]
    await publish(stack, scanned(intake, declaration_id))
    doc = await until(awaits_with_enrichment(intake, declaration_id))
    assert statuses(doc) == ["draft", "submitted", "awaiting_verification"]
    assert "held_status" not in doc
    assert doc["applied_events"] == [status.id]
    assert await redelivered(stack) == before  # acked the first time, no nak and no retry


async def test_the_status_after_the_scan_applies_at_once(stack: Stack, intake: App) -> None:
    declaration_id = await submitted_declaration(intake)
    before = await redelivered(stack)
    await publish(stack, scanned(intake, declaration_id))

    async def enriched() -> Doc | None:
        doc = await stored(intake, declaration_id)
        return doc if intake.deps.declarations.open_enrichment(doc) is not None else None

    await until(enriched)
    await publish(stack, awaiting(declaration_id))
    doc = await until(awaits_with_enrichment(intake, declaration_id))
    assert statuses(doc) == ["draft", "submitted", "awaiting_verification"]
    assert "held_status" not in doc
    assert await redelivered(stack) == before


async def test_both_at_once_in_any_order_end_the_same(stack: Stack, intake: App) -> None:
    """Published back to back: whichever intake's two durables handle first."""
    ids = [await submitted_declaration(intake) for _ in range(6)]
    for n, declaration_id in enumerate(ids):
        pair = [scanned(intake, declaration_id), awaiting(declaration_id)]
        for event in pair if n % 2 else pair[::-1]:
            await publish(stack, event)
    for declaration_id in ids:
        doc = await until(awaits_with_enrichment(intake, declaration_id))
        assert statuses(doc) == ["draft", "submitted", "awaiting_verification"]
        assert "held_status" not in doc
