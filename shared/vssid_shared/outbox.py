"""The outbox relay: publishes events stored in `pending_events` and removes each once acked."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Sequence
from typing import Any

from faststream.nats import NatsBroker
from pymongo.asynchronous.collection import AsyncCollection

from vssid_shared.envelope import CloudEvent
from vssid_shared.mongo import Doc
from vssid_shared.subjects import STREAM

log = logging.getLogger(__name__)

PENDING = "pending_events"


def pending(event: CloudEvent) -> dict[str, Any]:
    """The stored form of an event, to `$push` in the same update as the state change."""
    return event.model_dump(mode="json")


class OutboxRelay:
    """At-least-once publishing; JetStream drops the copies by `Nats-Msg-Id` = event id."""

    def __init__(
        self,
        broker: NatsBroker,
        collections: Sequence[AsyncCollection[Doc]],
        *,
        poll_seconds: float = 1.0,
    ) -> None:
        self._broker = broker
        self._collections = collections
        self._poll = poll_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._indexed = False

    async def ensure_indexes(self) -> None:
        """A sparse index on the first pending event: a drain finds the few documents with
        events to send without scanning every document (a full scan per pass and per kick
        made the server's CPU grow with the number of declarations ever stored)."""
        for collection in self._collections:
            await collection.create_index(f"{PENDING}.0", sparse=True, name="outbox_pending")
        self._indexed = True

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
        cursor = collection.find({f"{PENDING}.0": {"$exists": True}}, {PENDING: 1})
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
        while True:
            self._wake.clear()
            try:
                if not self._indexed:
                    await self.ensure_indexes()
                await self.drain_all()
            except Exception:
                log.exception("outbox relay pass failed; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
