"""The outbox relay: publishes events stored in `pending_events` and removes each once acked.

Events stay in the document whose state change they announce (one atomic update, no second
write to lose). The relay finds them through a sparse index on `pending_events.id`: a document
whose array is empty has no key in it, so a pass costs the same with ten documents or a year of
them. Between passes it sleeps; a local write `kick()`s it awake, and the idle wait doubles up
to `idle_seconds` as a safety net for events written by another process (a replica, a crash).

Round trips are what a pass costs the database: a kick that names its collection drains only
that one (a service's other collections had nothing new from this write), the timed safety-net
pass drains them all, and the events of one document leave with a single `$pull` once all are
acked, not one update per event; the documents found by one pass share that `$pull`
(an `update_many` by `_id`: one write command and one commit on the server, not one each).
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
from vssid_shared.outbox_record import PENDING, pending
from vssid_shared.subjects import STREAM

log = logging.getLogger(__name__)

__all__ = ["PENDING", "PENDING_FILTER", "OutboxRelay", "pending"]

# The filter the sparse index serves (SecantusDB and mongod both answer `$exists` from it).
PENDING_FILTER = {f"{PENDING}.id": {"$exists": True}}
# Documents whose acked events leave in one `$pull` (a write, its commit and the index upkeep
# of every document, once per batch rather than once per document); bounded so a long pass
# does not hold many acked events that a crash would publish again (the copies JetStream drops).
PULL_BATCH = 32


class OutboxRelay:
    """At-least-once publishing; JetStream drops the copies by `Nats-Msg-Id` = event id."""

    def __init__(
        self,
        broker: NatsBroker,
        collections: Sequence[AsyncCollection[Doc]],
        *,
        poll_seconds: float = 1.0,
        idle_seconds: float = 8.0,
    ) -> None:
        self._broker = broker
        self._collections = collections
        self._poll = poll_seconds
        self._idle = max(idle_seconds, poll_seconds)
        self._wake = asyncio.Event()
        # Collections named by kicks since the last pass; None: drain every one.
        self._kicked: set[int] | None = None
        self._task: asyncio.Task[None] | None = None

    async def ensure_indexes(self) -> None:
        for collection in self._collections:
            await collection.create_index([(f"{PENDING}.id", ASCENDING)], sparse=True)

    def kick(self, collection: AsyncCollection[Doc] | str | None = None) -> None:
        """Called after a write that queued events, so they leave at once, not at the next poll.
        Naming the collection written (itself or its name: use cases know only the name)
        spares the pass a query on each of the others."""
        named = isinstance(collection, str)
        found = [
            c for c in self._collections if c is collection or (named and c.name == collection)
        ]
        if not found:
            self._kicked = None
        elif self._kicked is not None:
            self._kicked.add(id(found[0]))
        self._wake.set()

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

    async def drain(self, collection: AsyncCollection[Doc]) -> int:
        published: list[str] = []  # acked, not yet pulled
        holders: list[Any] = []  # the documents they came from
        sent = 0
        try:
            async for doc in collection.find(PENDING_FILTER, {PENDING: 1}):
                holders.append(doc["_id"])
                for stored in doc[PENDING]:  # in order: one document's events stay in sequence
                    await self.publish(stored)
                    published.append(stored["id"])
                if len(holders) >= PULL_BATCH:
                    sent += await self._pull(collection, holders, published)
                    holders, published = [], []
        finally:  # what was acked leaves the outbox even if a later publish failed
            sent += await self._pull(collection, holders, published)
        return sent

    async def _pull(
        self, collection: AsyncCollection[Doc], holders: list[Any], ids: list[str]
    ) -> int:
        """One write for the acked events of every document of the batch: event ids are unique,
        so pulling them all from each of those documents removes exactly what was sent."""
        if not ids:
            return 0
        pull = {"$pull": {PENDING: {"id": {"$in": ids}}}}
        if len(holders) == 1:
            await collection.update_one({"_id": holders[0]}, pull)
        else:
            await collection.update_many({"_id": {"$in": holders}}, pull)
        metrics.OUTBOX_PUBLISHED.inc(len(ids))
        return len(ids)

    async def drain_all(self) -> int:
        return sum([await self.drain(c) for c in self._collections])

    async def _drain_due(self) -> int:
        """Drain the collections kicked since the last pass, or all of them."""
        kicked, self._kicked = self._kicked, set()
        if kicked is None:
            return await self.drain_all()
        return sum([await self.drain(c) for c in self._collections if id(c) in kicked])

    async def _run(self) -> None:
        wait, indexed = self._poll, False
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
            # Nothing to send: wait longer each time (a kick still wakes it at once).
            wait = self._poll if sent else min(wait * 2, self._idle)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait)
            if not self._wake.is_set():
                self._kicked = None  # a timed pass: the safety net drains every collection

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
