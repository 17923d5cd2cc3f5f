"""The outbox relay without its read-backs (issue 13), on real nats-server and secantusd.

A created document's events are published as the insert handed them (no `find`), acked events
leave in one `$pull` per window, and under every failure each event reaches the stream exactly
once (JetStream keeps one copy per `Nats-Msg-Id`; the stream is read back message by message):
a publish that fails, a pull that fails, a relay that dies mid-window, events another process
wrote, a document deleted before its publish. Commands are counted with a listener."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
from faststream.nats import NatsBroker
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from tests.integration.test_outbox_relay_rounds import add, submitted, until
from tests.support.commands import Commands
from vssid.devstack import Stack
from vssid_shared.bootstrap import declare_all
from vssid_shared.messaging import make_broker
from vssid_shared.mongo import Doc
from vssid_shared.outbox import PENDING, PENDING_FILTER, OutboxRelay, Queued, update_queuing
from vssid_shared.subjects import STREAM

NEVER = 3600.0  # no timed pass (nor a timed pull) unless a test asks for one


@pytest.fixture
async def broker(stack: Stack) -> AsyncIterator[NatsBroker]:
    await declare_all(stack.nats_login("bootstrap"))
    broker = make_broker(stack.nats_login("intake"))
    await broker.connect()
    try:
        yield broker
    finally:
        await broker.stop()


@pytest.fixture
def counted(
    counted_db: tuple[AsyncDatabase[Doc], Commands],
) -> tuple[AsyncCollection[Doc], Commands]:
    database, commands = counted_db
    return database["outbox_fast"], commands


class Stream:
    """What reached the JetStream stream since `mark`, read back by sequence number."""

    def __init__(self, stack: Stack) -> None:
        self._login = stack.nats_login("bootstrap")
        self._start = 0

    async def mark(self) -> None:
        nc = await self._login.connect(connect_timeout=5)
        try:
            self._start = (await nc.jsm().stream_info(STREAM)).state.last_seq + 1
        finally:
            await nc.close()

    async def ids(self) -> list[str]:
        """The `Nats-Msg-Id` of every message stored since the mark, in stream order."""
        nc = await self._login.connect(connect_timeout=5)
        try:
            jsm = nc.jsm()
            last = (await jsm.stream_info(STREAM)).state.last_seq
            found = []
            for seq in range(self._start, last + 1):
                msg = await jsm.get_msg(STREAM, seq)
                found.append((msg.headers or {}).get("Nats-Msg-Id", ""))
            return found
        finally:
            await nc.close()

    async def copies(self, ids: Sequence[str]) -> Counter[str]:
        stored = Counter(await self.ids())
        return Counter({i: stored[i] for i in ids})


@pytest.fixture
async def stream(stack: Stack, broker: NatsBroker) -> Stream:
    found = Stream(stack)
    await found.mark()
    return found


class Recorded(OutboxRelay):
    """The real relay; what it publishes is recorded, and the next publish of an id can fail."""

    def __init__(self, broker: NatsBroker, collection: AsyncCollection[Doc], **kw: Any) -> None:
        super().__init__(
            broker, [collection], **{"poll_seconds": NEVER, "idle_seconds": NEVER, **kw}
        )
        self.published: list[str] = []
        self.fail_once: set[str] = set()
        self.pull_fails = 0

    async def publish(self, stored: dict[str, Any]) -> None:
        if stored["id"] in self.fail_once:
            self.fail_once.discard(stored["id"])
            raise ConnectionError("broker went away")
        await super().publish(stored)
        self.published.append(stored["id"])

    async def _pull(self, collection: AsyncCollection[Doc]) -> None:
        if self.pull_fails and any(self._acked.values()):
            self.pull_fails -= 1
            raise ConnectionError("database went away")
        await super()._pull(collection)


async def waiting(collection: AsyncCollection[Doc], doc_id: str) -> list[str]:
    doc = await collection.find_one({"_id": doc_id})
    return [e["id"] for e in (doc or {}).get(PENDING, [])]


def ids(events: list[dict[str, Any]]) -> list[str]:
    return [e["id"] for e in events]


async def started(relay: Recorded, collection: AsyncCollection[Doc]) -> None:
    """Running, its first (find-based) pass over: a document left by a previous run is sent."""
    left = submitted(1)
    await add(collection, left)
    relay.start()
    await until(lambda: _published(relay, left))


async def _none_waiting(collection: AsyncCollection[Doc], doc_id: str) -> bool:
    return await waiting(collection, doc_id) == []


async def test_created_documents_leave_without_a_find_and_share_one_pull(
    broker: NatsBroker, counted: tuple[AsyncCollection[Doc], Commands], stream: Stream
) -> None:
    collection, commands = counted
    relay = Recorded(broker, collection, pull_window=NEVER)
    await started(relay, collection)
    queued = [submitted(2) for _ in range(5)]
    with commands.during() as sent:
        for events in queued:  # each document on its own kick and pass, as requests come
            doc_id = await add(collection, events)
            relay.kick_first(collection.name, doc_id, events)
            await until(lambda e=events: _published(relay, e))  # type: ignore[misc]
        await relay.stop()  # the window is still open: the stop pulls what was acked
    assert sent == ["insert"] * 5 + ["update"]  # no find; 5 documents, one `$pull`
    everything = [i for events in queued for i in ids(events)]
    assert (await stream.copies(everything)) == Counter(everything)
    assert await collection.count_documents(PENDING_FILTER) == 0


async def test_a_kick_without_events_still_finds_and_its_pulls_are_batched_too(
    broker: NatsBroker, counted: tuple[AsyncCollection[Doc], Commands], stream: Stream
) -> None:
    collection, commands = counted
    relay = Recorded(broker, collection, pull_window=NEVER)
    await started(relay, collection)
    queued = [submitted(1) for _ in range(3)]
    with commands.during() as sent:
        for events in queued:
            await add(collection, events)
            relay.kick(collection)
            await until(lambda e=events: _published(relay, e))  # type: ignore[misc]
        await relay.stop()
    # One find per kick (the events are read back), but one `$pull` for the three, and the
    # ids acked but not pulled were not published again by the later finds.
    assert sent == ["insert", "find"] * 3 + ["update"]
    everything = [i for events in queued for i in ids(events)]
    assert Counter(relay.published[1:]) == Counter(everything)
    assert (await stream.copies(everything)) == Counter(everything)


async def test_a_failed_publish_falls_back_to_the_find_and_keeps_the_documents_order(
    broker: NatsBroker, counted: tuple[AsyncCollection[Doc], Commands], stream: Stream
) -> None:
    collection, _ = counted
    relay = Recorded(broker, collection, poll_seconds=0.1, pull_window=0.2)
    await started(relay, collection)
    events = submitted(3)
    relay.fail_once = {events[1]["id"]}
    doc_id = await add(collection, events)
    relay.kick_first(collection.name, doc_id, events)
    await until(lambda: _none_waiting(collection, doc_id))
    await relay.stop()
    # The first once (acked and held), then the second and third, read back by the find of
    # the pass after the failure (the handed list was dropped with the failed pass).
    assert relay.published[1:] == ids(events)
    in_stream = [i for i in await stream.ids() if i in ids(events)]
    assert in_stream == ids(events)


async def test_a_failed_pull_keeps_the_acked_ids_and_publishes_nothing_twice(
    broker: NatsBroker, counted: tuple[AsyncCollection[Doc], Commands], stream: Stream
) -> None:
    collection, _ = counted
    relay = Recorded(broker, collection, pull_window=0.1)
    await started(relay, collection)
    relay.pull_fails = 2
    first, second = submitted(2), submitted(1)
    a = await add(collection, first)
    relay.kick_first(collection.name, a, first)
    await until(lambda: _published(relay, first))
    b = await add(collection, second)
    relay.kick()  # a find over everything while `a`'s acked events still wait in it
    await until(lambda: _none_waiting(collection, a))
    await until(lambda: _none_waiting(collection, b))
    await relay.stop()
    assert relay.pull_fails == 0
    everything = ids(first) + ids(second)
    assert Counter(relay.published[1:]) == Counter(everything)
    assert (await stream.copies(everything)) == Counter(everything)


async def test_a_relay_that_dies_mid_window_is_followed_by_one_whose_copies_are_dropped(
    broker: NatsBroker, counted: tuple[AsyncCollection[Doc], Commands], stream: Stream
) -> None:
    collection, _ = counted
    dying = Recorded(broker, collection, pull_window=NEVER)
    await started(dying, collection)
    events = submitted(2)
    doc_id = await add(collection, events)
    dying.kick_first(collection.name, doc_id, events)
    await until(lambda: _published(dying, events))
    assert dying._task is not None
    dying._task.cancel()  # a crash: no stop, nothing pulled
    with pytest.raises(asyncio.CancelledError):
        await dying._task
    assert await waiting(collection, doc_id) == ids(events)
    successor = Recorded(broker, collection)
    successor.start()  # its first pass finds everything and sends it again
    await until(lambda: _none_waiting(collection, doc_id))
    await successor.stop()
    assert [i for i in successor.published if i in ids(events)] == ids(events)
    assert (await stream.copies(ids(events))) == Counter(ids(events))  # the copies dropped


async def test_events_another_process_wrote_are_found_by_the_timed_pass(
    broker: NatsBroker, counted: tuple[AsyncCollection[Doc], Commands], stream: Stream
) -> None:
    collection, _ = counted
    relay = Recorded(broker, collection, poll_seconds=0.1, idle_seconds=0.2)
    await started(relay, collection)
    ours, theirs = submitted(1), submitted(2)
    other = await add(collection, theirs)  # no kick here: another process wrote it
    mine = await add(collection, ours)
    relay.kick_first(collection.name, mine, ours)
    await until(lambda: _none_waiting(collection, mine))
    await until(lambda: _none_waiting(collection, other))
    await relay.stop()
    everything = ids(ours) + ids(theirs)
    assert (await stream.copies(everything)) == Counter(everything)
    in_stream = [i for i in await stream.ids() if i in ids(theirs)]
    assert in_stream == ids(theirs)


async def test_a_document_deleted_before_its_publish_still_announces_what_was_written(
    broker: NatsBroker, counted: tuple[AsyncCollection[Doc], Commands], stream: Stream
) -> None:
    collection, _ = counted
    relay = Recorded(broker, collection, pull_window=0.1)
    await started(relay, collection)
    gone = submitted(1)
    doc_id = await add(collection, gone)
    await collection.delete_one({"_id": doc_id})
    relay.kick_first(collection.name, doc_id, gone)  # the insert did happen: it is announced
    later = submitted(1)
    after = await add(collection, later)
    relay.kick_first(collection.name, after, later)
    await until(lambda: _none_waiting(collection, after))  # its pull matched nothing, no harm
    await relay.stop()
    everything = ids(gone) + ids(later)
    assert (await stream.copies(everything)) == Counter(everything)
    assert await collection.count_documents({"_id": doc_id}) == 0


async def test_a_push_after_the_created_events_follows_them_in_the_stream(
    broker: NatsBroker, counted: tuple[AsyncCollection[Doc], Commands], stream: Stream
) -> None:
    collection, _ = counted
    relay = Recorded(broker, collection, pull_window=NEVER)
    await started(relay, collection)
    first, then = submitted(1), submitted(1)
    doc_id = await add(collection, first)
    relay.kick_first(collection.name, doc_id, first)
    await until(lambda: _published(relay, first))
    await collection.update_one({"_id": doc_id}, {"$push": {PENDING: then[0]}})
    relay.kick(collection.name)  # a `$push`: read back, its held first event skipped
    await until(lambda: _published(relay, then))
    await relay.stop()
    assert await waiting(collection, doc_id) == []
    assert [i for i in await stream.ids() if i in ids(first + then)] == ids(first + then)
    assert relay.published[1:] == ids(first + then)


async def test_an_update_into_an_empty_outbox_leaves_unread_one_behind_others_is_found(
    broker: NatsBroker, counted: tuple[AsyncCollection[Doc], Commands], stream: Stream
) -> None:
    """`update_queuing`: guarded on nothing waiting, its events are the document's first and
    leave unread (a submit, a delivery's receipt); behind an event still waiting (unpublished,
    or acked and not yet pulled) it is the plain `$push`, and the relay finds both in order."""
    collection, commands = counted
    relay = Recorded(broker, collection, pull_window=NEVER)
    await started(relay, collection)
    doc_id = str(uuid.uuid4())
    await collection.insert_one({"_id": doc_id, "status": "draft"})
    first, then = submitted(1), submitted(1)

    def push(events: list[dict[str, Any]]) -> dict[str, Any]:
        return {"$set": {"status": "submitted"}, "$push": {PENDING: {"$each": events}}}

    with commands.during() as sent:
        queued = await update_queuing(collection, {"_id": doc_id}, push(first))
        relay.kick_queued(collection.name, doc_id, first, queued)
        await until(lambda: _published(relay, first))
    assert queued is Queued.FIRST
    assert sent == ["update"]  # the write alone: no find
    # `first` is acked but not pulled (the window is open): the guard misses, the plain write
    # queues behind it, and the relay's find sends `then` alone, after it.
    with commands.during() as sent:
        queued = await update_queuing(collection, {"_id": doc_id}, push(then))
        relay.kick_queued(collection.name, doc_id, then, queued)
        await until(lambda: _published(relay, then))
    assert queued is Queued.BEHIND
    assert sent == ["update", "update", "find"]
    # A guard that misses for its own reason writes nothing, and nothing is kicked.
    queued = await update_queuing(collection, {"_id": doc_id, "status": "draft"}, push([]))
    assert queued is Queued.NOT_WRITTEN
    await relay.stop()
    assert await waiting(collection, doc_id) == []
    assert relay.published[1:] == ids(first + then)
    assert [i for i in await stream.ids() if i in ids(first + then)] == ids(first + then)


async def _published(relay: Recorded, events: list[dict[str, Any]]) -> bool:
    return all(i in relay.published for i in ids(events))
