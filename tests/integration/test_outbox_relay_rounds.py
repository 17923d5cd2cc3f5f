"""The outbox relay's database round trips: one `$pull` per document, kicks that name their
collection drain only it, and what was acked before a failed publish is not published again."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from faststream.nats import NatsBroker
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from vssid.devstack import Stack
from vssid_shared.bootstrap import declare_all
from vssid_shared.clock import utc_now
from vssid_shared.envelope import new_event
from vssid_shared.messaging import make_broker
from vssid_shared.mongo import Doc
from vssid_shared.outbox import PENDING, OutboxRelay, pending
from vssid_shared.subjects import Event

NEVER = 3600.0  # no timed safety-net pass during a test: only kicks wake the relay


@pytest.fixture
async def broker(stack: Stack) -> AsyncIterator[NatsBroker]:
    await declare_all(stack.nats_login("bootstrap"))
    broker = make_broker(stack.nats_login("intake"))  # intake publishes `submitted`
    await broker.connect()
    try:
        yield broker
    finally:
        await broker.stop()


def submitted(n: int) -> list[dict[str, Any]]:
    declaration_id = str(uuid.uuid4())
    return [
        pending(
            new_event(
                Event.SUBMITTED,
                source="tests",
                declaration_id=declaration_id,
                agency_code="4802",
                data={"reference": f"T{uuid.uuid4().hex[:9].upper()}"},
                clock=utc_now,
            )
        )
        for _ in range(n)
    ]


async def add(collection: AsyncCollection[Doc], events: list[dict[str, Any]]) -> str:
    doc_id = str(uuid.uuid4())
    await collection.insert_one({"_id": doc_id, PENDING: events})
    return doc_id


async def waiting(collection: AsyncCollection[Doc], doc_id: str) -> list[str]:
    doc = await collection.find_one({"_id": doc_id})
    assert doc is not None
    return [e["id"] for e in doc[PENDING]]


async def until(condition: Callable[[], Any], limit: float = 30.0) -> None:
    """Poll a database condition (there is no event to wait on across the relay's task)."""
    async with asyncio.timeout(limit):
        while True:
            if await condition():
                return
            await asyncio.sleep(0.05)


async def test_a_documents_events_leave_in_order_and_are_pulled_once_all_are_acked(
    broker: NatsBroker, aware_db: AsyncDatabase[Doc]
) -> None:
    collection = aware_db["outbox_a"]
    events = submitted(3)
    doc_id = await add(collection, events)
    relay = OutboxRelay(broker, [collection])
    published: list[str] = []
    real_publish = relay.publish

    async def recorded(stored: dict[str, Any]) -> None:
        await real_publish(stored)
        published.append(stored["id"])

    relay.publish = recorded  # type: ignore[method-assign]
    assert await relay.drain(collection) == 3
    assert published == [e["id"] for e in events]
    assert await waiting(collection, doc_id) == []


async def test_what_was_acked_before_a_failure_is_not_sent_again(
    broker: NatsBroker, aware_db: AsyncDatabase[Doc]
) -> None:
    collection = aware_db["outbox_a"]
    events = submitted(3)
    doc_id = await add(collection, events)
    relay = OutboxRelay(broker, [collection])
    real_publish = relay.publish

    async def second_fails(stored: dict[str, Any]) -> None:
        if stored["id"] == events[1]["id"]:
            raise ConnectionError("broker went away")
        await real_publish(stored)

    relay.publish = second_fails  # type: ignore[method-assign]
    with pytest.raises(ConnectionError):
        await relay.drain(collection)
    assert await waiting(collection, doc_id) == [events[1]["id"], events[2]["id"]]
    relay.publish = real_publish  # type: ignore[method-assign]
    assert await relay.drain(collection) == 2
    assert await waiting(collection, doc_id) == []


async def test_a_kick_naming_its_collection_drains_only_that_one(
    broker: NatsBroker, aware_db: AsyncDatabase[Doc]
) -> None:
    a, b = aware_db["outbox_a"], aware_db["outbox_b"]
    relay = OutboxRelay(broker, [a, b], poll_seconds=NEVER, idle_seconds=NEVER)
    first_a, first_b = await add(a, submitted(1)), await add(b, submitted(1))
    relay.start()
    try:
        # The first pass looks everywhere: events left by a previous run are found.
        await until(lambda: _drained(a, first_a))
        await until(lambda: _drained(b, first_b))
        in_a, in_b = await add(a, submitted(1)), await add(b, submitted(1))
        relay.kick(a)
        await until(lambda: _drained(a, in_a))
        assert len(await waiting(b, in_b)) == 1  # b was not written by that kick's writer
        relay.kick()  # a kick that names nothing drains every collection
        await until(lambda: _drained(b, in_b))
    finally:
        await relay.stop()


async def _drained(collection: AsyncCollection[Doc], doc_id: str) -> bool:
    return await waiting(collection, doc_id) == []
