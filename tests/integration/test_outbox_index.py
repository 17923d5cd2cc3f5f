"""The outbox relay finds pending events through a sparse index, not a scan of every document."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import nats
from pymongo import AsyncMongoClient

from tests.integration.test_events_tail import sample_event
from vssid.devstack import Stack
from vssid_shared.bootstrap import declare_all
from vssid_shared.messaging import make_broker
from vssid_shared.mongo import Doc
from vssid_shared.outbox import PENDING, OutboxRelay, pending
from vssid_shared.subjects import STREAM, Event


async def _plan(client: AsyncMongoClient[Doc], db: str, query: dict[str, Any]) -> str:
    explained = await client[db].command("explain", {"find": "declarations", "filter": query})
    stage: str = explained["queryPlanner"]["winningPlan"].get("stage", "?")
    return stage


async def test_relay_indexes_pending_events_and_still_sends_them(
    stack: Stack, mongo_db_name: str
) -> None:
    await declare_all(stack.nats_url)
    client: AsyncMongoClient[Doc] = AsyncMongoClient(stack.mongo_url)
    collection = client[mongo_db_name]["declarations"]
    # Many documents whose events are long sent, two with one waiting each.
    await collection.insert_many([{"_id": str(uuid.uuid4()), PENDING: []} for _ in range(200)])
    # Agencies no other test uses: each event is then the last on its own subject.
    base = uuid.uuid4().int % 500
    events = [sample_event(Event.SUBMITTED, f"9{base + offset:03d}") for offset in (0, 500)]
    await collection.insert_many(
        [{"_id": event.subject, PENDING: [pending(event)]} for event in events]
    )
    broker = make_broker(stack.nats_url)
    await broker.connect()
    relay = OutboxRelay(broker, [collection], poll_seconds=0.2)
    relay.start()
    try:
        for _ in range(300):  # the relay polls; no change stream to wait on
            if not await collection.count_documents({f"{PENDING}.0": {"$exists": True}}):
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("pending events were not sent within 30 s")
    finally:
        await relay.stop()
        await broker.stop()

    indexes = await collection.index_information()
    assert indexes["outbox_pending"]["sparse"] is True
    assert await _plan(client, mongo_db_name, {f"{PENDING}.0": {"$exists": True}}) != "COLLSCAN"

    nc = await nats.connect(stack.nats_url)
    try:
        js = nc.jetstream()
        for event in events:
            message = await js.get_last_msg(STREAM, event.nats_subject)
            assert message.headers is not None
            assert message.headers["Nats-Msg-Id"] == event.id
    finally:
        await nc.close()
        await client.close()
