"""The outbox relay: publishes events stored in `pending_events` and removes each once acked.

Events stay in the document whose state change they announce (one atomic update, no second
write to lose). The relay finds them through a sparse index on `pending_events.id`: a document
whose array is empty has no key in it, so a pass costs the same with ten documents or a year of
them. Between passes it sleeps; a local write `kick()`s it awake, and the idle wait doubles up
to `idle_seconds` as a safety net for events written by another process (a replica, a crash).

Round trips are what a pass costs the database: a kick that names its collection drains only
that one (a service's other collections had nothing new from this write), the timed safety-net
pass drains them all.

A write that queued the *first* events of its document's outbox hands them to `kick_first`:
an insert that created the document with them, or an update guarded on nothing waiting there
(`update_queuing`, which falls back to the plain update when something does). No other event
can stand before them in that document, whoever wrote it, so they are published without a
`find` reading them back. Every doubt falls back to the find: the first pass, a timed pass, a
kick without events, a pass that failed (the next looks everywhere). A plain `$push` onto an
existing document is not such a write: a replica or a crashed predecessor may have left an
earlier event there unpublished, and the write does not say so (findAndModify could, but
SecantusDB answers it by reading the whole collection).

Acked events leave in batches: their ids are kept in memory and pulled together once
`pull_window` has passed since the first of them (or `PULL_BATCH` documents wait), with one
`update_many` by `_id` for every document of the batch (one write command and one commit on
the server, not one per document or per event). A find meanwhile skips the ids acked but not
yet pulled, so they are not published again; a pull that fails keeps them for the next try.
A crash loses only that memory: the next process publishes those events again, and JetStream
drops the copies (`Nats-Msg-Id` = event id, within `DUPLICATE_WINDOW_SECONDS`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Sequence
from typing import Any

from faststream.nats import NatsBroker
from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection

from vssid_shared import metrics, tracing
from vssid_shared.envelope import CloudEvent
from vssid_shared.mongo import Doc
from vssid_shared.outbox_record import NOTHING_PENDING, PENDING, Queued, pending, update_queuing
from vssid_shared.subjects import STREAM

log = logging.getLogger(__name__)

__all__ = [
    "NOTHING_PENDING",
    "PENDING",
    "PENDING_FILTER",
    "OutboxRelay",
    "Queued",
    "pending",
    "update_queuing",
]

# The filter the sparse index serves (SecantusDB and mongod both answer `$exists` from it).
PENDING_FILTER = {f"{PENDING}.id": {"$exists": True}}
# Documents whose acked events leave in one `$pull` (a write, its commit and the index upkeep
# of every document, once per batch rather than once per document); bounded so a long pass
# does not hold many acked events that a crash would publish again (the copies JetStream drops).
PULL_BATCH = 32
# How long acked events wait to leave together: short against JetStream's duplicate window
# (600 s), so what a crash republishes is dropped there; long against the gap between two
# declarations' events under load, so several share one write.
PULL_WINDOW = 0.5


class OutboxRelay:
    """At-least-once publishing; JetStream drops the copies by `Nats-Msg-Id` = event id."""

    def __init__(
        self,
        broker: NatsBroker,
        collections: Sequence[AsyncCollection[Doc]],
        *,
        poll_seconds: float = 1.0,
        idle_seconds: float = 8.0,
        pull_window: float = PULL_WINDOW,
    ) -> None:
        self._broker = broker
        self._collections = collections
        self._poll = poll_seconds
        self._idle = max(idle_seconds, poll_seconds)
        self._pull_window = pull_window
        self._wake = asyncio.Event()
        # Collections named by kicks since the last pass; None: drain every one.
        self._kicked: set[int] | None = None
        # Documents' first events (`kick_first`), handed since the last pass, in order.
        self._first: list[tuple[AsyncCollection[Doc], Any, list[dict[str, Any]]]] = []
        # Acked, not yet pulled: collection → document id → event ids; and all those ids.
        self._acked: dict[int, dict[Any, list[str]]] = {}
        self._acked_ids: set[str] = set()
        self._pull_due: float | None = None  # loop time by which the acked ids leave
        self._task: asyncio.Task[None] | None = None

    async def ensure_indexes(self) -> None:
        for collection in self._collections:
            await collection.create_index([(f"{PENDING}.id", ASCENDING)], sparse=True)

    def _named(self, collection: AsyncCollection[Doc] | str | None) -> AsyncCollection[Doc] | None:
        named = isinstance(collection, str)
        for c in self._collections:
            if c is collection or (named and c.name == collection):
                return c
        return None

    def kick(self, collection: AsyncCollection[Doc] | str | None = None) -> None:
        """Called after a write that queued events, so they leave at once, not at the next poll.
        Naming the collection written (itself or its name: use cases know only the name)
        spares the pass a query on each of the others."""
        found = self._named(collection)
        if found is None:
            self._kicked = None
        elif self._kicked is not None:
            self._kicked.add(id(found))
        self._wake.set()

    def kick_first(
        self,
        collection: AsyncCollection[Doc] | str,
        doc_id: Any,
        events: Sequence[CloudEvent | dict[str, Any]],
    ) -> None:
        """Called after a write that made `events` the first of `doc_id`'s outbox (an insert, or
        `update_queuing`'s `Queued.FIRST`), in that order: they are published as handed,
        without a find (see the module docstring)."""
        found = self._named(collection)
        if found is None:
            self.kick()  # not one of this relay's: look everywhere
            return
        stored = [e if isinstance(e, dict) else pending(e) for e in events]
        self._first.append((found, doc_id, stored))
        self._wake.set()

    def kick_queued(
        self,
        collection: AsyncCollection[Doc] | str,
        doc_id: Any,
        events: Sequence[CloudEvent | dict[str, Any]],
        queued: Queued,
    ) -> None:
        """The kick for what `update_queuing` did: unread when first, else the find."""
        if queued is Queued.FIRST:
            self.kick_first(collection, doc_id, events)
        elif queued:
            self.kick(collection)

    async def publish(self, stored: dict[str, Any]) -> None:
        event = CloudEvent.model_validate(stored)
        with tracing.publishing(event.nats_subject, event.id, event.type, stored):
            await self._publish(stored, event)

    async def _publish(self, stored: dict[str, Any], event: CloudEvent) -> None:
        await self._broker.publish(
            json.dumps(stored, ensure_ascii=False).encode(),
            event.nats_subject,
            headers={"Nats-Msg-Id": event.id},
            correlation_id=event.correlationid,
            stream=STREAM,
            timeout=5.0,
        )

    async def _send(
        self, collection: AsyncCollection[Doc], doc_id: Any, stored: dict[str, Any]
    ) -> int:
        """Publishes one event unless it was acked already (held for a pull); 1 when sent."""
        if stored["id"] in self._acked_ids:
            return 0
        await self.publish(stored)
        self._acked.setdefault(id(collection), {}).setdefault(doc_id, []).append(stored["id"])
        self._acked_ids.add(stored["id"])
        metrics.OUTBOX_PUBLISHED.inc()
        if self._pull_due is None:
            self._pull_due = asyncio.get_running_loop().time() + self._pull_window
        return 1

    async def _find_and_send(self, collection: AsyncCollection[Doc]) -> int:
        sent = 0
        async for doc in collection.find(PENDING_FILTER, {PENDING: 1}):
            for stored in doc[PENDING]:  # in order: one document's events stay in sequence
                sent += await self._send(collection, doc["_id"], stored)
            if len(self._acked.get(id(collection), {})) >= PULL_BATCH:
                await self._pull(collection)
        return sent

    async def drain(self, collection: AsyncCollection[Doc]) -> int:
        """One find-based pass over `collection`, its acked events pulled before it returns."""
        try:
            return await self._find_and_send(collection)
        finally:  # what was acked leaves the outbox even if a later publish failed
            await self._pull(collection)

    async def _pull(self, collection: AsyncCollection[Doc]) -> None:
        """The acked events of the collection's waiting documents leave, `PULL_BATCH` documents
        a write: event ids are unique, so pulling them all from each of those documents
        removes exactly what was sent (a document deleted meanwhile is simply not matched)."""
        waiting = self._acked.get(id(collection), {})
        while waiting:
            batch = list(waiting)[:PULL_BATCH]
            ids = [i for holder in batch for i in waiting[holder]]
            pull = {"$pull": {PENDING: {"id": {"$in": ids}}}}
            if len(batch) == 1:
                await collection.update_one({"_id": batch[0]}, pull)
            else:
                await collection.update_many({"_id": {"$in": batch}}, pull)
            for holder in batch:
                del waiting[holder]
            self._acked_ids.difference_update(ids)
        if not any(self._acked.values()):
            self._pull_due = None

    async def _pull_all(self) -> None:
        for collection in self._collections:
            await self._pull(collection)

    async def drain_all(self) -> int:
        return sum([await self.drain(c) for c in self._collections])

    async def _drain_due(self) -> int:
        """Finds in the collections kicked without events since the last pass (or in all of
        them); the first events handed for the others (`kick_first`) are sent as handed."""
        kicked, self._kicked = self._kicked, set()
        first, self._first = self._first, []
        if kicked is None:
            found = list(self._collections)
        else:
            found = [c for c in self._collections if id(c) in kicked]
        sent = sum([await self._find_and_send(c) for c in found])
        read = {id(c) for c in found}
        for collection, doc_id, events in first:
            if id(collection) in read:
                continue  # that find read them (written before this pass began)
            for stored in events:
                sent += await self._send(collection, doc_id, stored)
        return sent

    def _pull_is_due(self) -> bool:
        if self._pull_due is None:
            return False
        if any(len(w) >= PULL_BATCH for w in self._acked.values()):
            return True
        return asyncio.get_running_loop().time() >= self._pull_due

    async def _run(self) -> None:
        wait, indexed = self._poll, False
        loop = asyncio.get_running_loop()
        while True:
            self._wake.clear()
            try:
                # Here, not in each service's start-up: every way a service starts runs this
                # task, and without the index each pass would scan every document ever stored.
                if not indexed:
                    await self.ensure_indexes()
                    indexed = True
                sent = await self._drain_due()
            except Exception:
                log.exception("outbox relay pass failed; retrying")
                self._kicked = None  # the next pass looks everywhere
                sent = 1  # retry soon: the broker or the database is likely coming back
            if self._pull_is_due():
                try:
                    await self._pull_all()
                except Exception:  # the ids stay held (not published again): retried soon
                    log.exception("outbox relay pull failed; retrying")
                    self._pull_due = loop.time() + self._pull_window
            # Nothing to send: wait longer each time (a kick still wakes it at once).
            wait = self._poll if sent else min(wait * 2, self._idle)
            timeout = wait
            if self._pull_due is not None:  # wake for the pull, not only for the next pass
                timeout = max(0.0, min(wait, self._pull_due - loop.time()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)
            if not self._wake.is_set() and (self._pull_due is None or timeout == wait):
                self._kicked = None  # a timed pass: the safety net drains every collection

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        # What was acked leaves now, so the next start does not publish it again (best effort:
        # what stays is published again and dropped by JetStream as a duplicate).
        if self._pull_due is not None:
            try:
                async with asyncio.timeout(5.0):
                    await self._pull_all()
            except Exception:
                log.warning("outbox relay: acked events left for the next start to resend")
