"""The outbox relay: publishes events stored in `pending_events` and removes each once acked.

Events stay in the document whose state change they announce (one atomic update, no second
write to lose). The relay finds them through a sparse index on `pending_events.id`: a document
whose array is empty has no key in it, so a pass costs the same with ten documents or a year of
them. Between passes it sleeps; a local write `kick()`s it awake, and the idle wait doubles up
to `idle_seconds` as a safety net for events written by another process (a replica, a crash).
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

from vssid_shared.envelope import CloudEvent
from vssid_shared.mongo import Doc
from vssid_shared.outbox_record import PENDING, pending
from vssid_shared.subjects import STREAM

log = logging.getLogger(__name__)

__all__ = ["PENDING", "PENDING_FILTER", "OutboxRelay", "pending"]

# The filter the sparse index serves (SecantusDB and mongod both answer `$exists` from it).
PENDING_FILTER = {f"{PENDING}.id": {"$exists": True}}


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
        self._task: asyncio.Task[None] | None = None

    async def ensure_indexes(self) -> None:
        for collection in self._collections:
            await collection.create_index([(f"{PENDING}.id", ASCENDING)], sparse=True)

    def kick(self) -> None:
        """Called after a write that queued events, so they leave at once, not at the next poll."""
        self._wake.set()

    async def publish(self, stored: dict[str, Any]) -> None:
        event = CloudEvent.model_validate(stored)
        await self._broker.publish(
            json.dumps(stored, ensure_ascii=False).encode(),
            event.nats_subject,
            headers={"Nats-Msg-Id": event.id},
            correlation_id=event.correlationid,
            stream=STREAM,
            timeout=5.0,
        )

    async def drain(self, collection: AsyncCollection[Doc]) -> int:
        sent = 0
        cursor = collection.find(PENDING_FILTER, {PENDING: 1})
        async for doc in cursor:
            for stored in doc[PENDING]:
                await self.publish(stored)
                await collection.update_one(
                    {"_id": doc["_id"]}, {"$pull": {PENDING: {"id": stored["id"]}}}
                )
                sent += 1
        return sent

    async def drain_all(self) -> int:
        return sum([await self.drain(c) for c in self._collections])

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
                sent = await self.drain_all()
            except Exception:
                log.exception("outbox relay pass failed; retrying")
                sent = 1  # retry soon: the broker or the database is likely coming back
            # Nothing to send: wait longer each time (a kick still wakes it at once).
            wait = self._poll if sent else min(wait * 2, self._idle)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
