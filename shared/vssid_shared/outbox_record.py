"""How an event waits in its document's outbox until the relay publishes it (no driver import)."""

from __future__ import annotations

from enum import IntEnum
from typing import Any, Protocol

from vssid_shared.envelope import CloudEvent

PENDING = "pending_events"


class _Updated(Protocol):
    @property
    def modified_count(self) -> int: ...


class Updatable(Protocol):
    """A collection as `update_queuing` writes to it (PyMongo's async one, no import here)."""

    async def update_one(self, filter: Any, update: Any) -> _Updated: ...


def pending(event: CloudEvent) -> dict[str, Any]:
    """The stored form of an event, to `$push` in the same update as the state change."""
    return event.model_dump(mode="json")


class Queued(IntEnum):
    """What an update that queues events did (false only when it wrote nothing)."""

    NOT_WRITTEN = 0
    BEHIND = 1  # behind events already waiting in that document: the relay must read them
    FIRST = 2  # into an empty outbox: its events are the document's first (`kick_first`)


# An outbox with nothing waiting: no event can stand before what a write guarded on it queues.
NOTHING_PENDING = {f"{PENDING}.id": {"$exists": False}}


async def update_queuing(collection: Updatable, query: dict[str, Any], update: Any) -> Queued:
    """`update_one` of a write that `$push`es events, guarded on an empty outbox first (the
    usual case: one write), so that the relay may publish them without reading them back;
    when something waits there (or the guard misses for another reason), the plain write."""
    result = await collection.update_one({**query, **NOTHING_PENDING}, update)
    if result.modified_count == 1:
        return Queued.FIRST
    result = await collection.update_one(query, update)
    return Queued.BEHIND if result.modified_count == 1 else Queued.NOT_WRITTEN
