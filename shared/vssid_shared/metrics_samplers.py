"""Scrape-time samplers: consumer lag from JetStream, outbox backlog and declarations by status.

Each is registered once at start-up by the service that owns the thing sampled (a worker its
own durables, a relay its collections), so each value comes from exactly one kind of process.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from faststream.nats import NatsBroker
from pymongo.asynchronous.collection import AsyncCollection

from vssid_shared import metrics
from vssid_shared.mongo import Doc
from vssid_shared.outbox import PENDING, PENDING_FILTER
from vssid_shared.subjects import STREAM

_watched: dict[str, NatsBroker] = {}


def watch_consumer(broker: NatsBroker, durable: str) -> None:
    """Sample pending and ack-pending of `durable` (its puller may read its info, nothing more)."""
    _watched[durable] = broker
    metrics.add_sampler("consumer_lag", _sample_consumers)


async def _sample_consumers() -> None:
    for durable, broker in list(_watched.items()):
        info = await broker.connection.jetstream().consumer_info(STREAM, durable)
        metrics.CONSUMER_PENDING.labels(durable).set(info.num_pending or 0)
        metrics.CONSUMER_ACK_PENDING.labels(durable).set(info.num_ack_pending or 0)


def watch_outbox(collections: Sequence[AsyncCollection[Doc]]) -> None:
    """How many events wait in each outbox collection, and how old the oldest is."""

    async def sample() -> None:
        now = datetime.now(UTC)
        for collection in collections:
            count, oldest = await _backlog(collection)
            metrics.OUTBOX_PENDING.labels(collection.name).set(count)
            age = (now - oldest).total_seconds() if oldest else 0.0
            metrics.OUTBOX_OLDEST_AGE.labels(collection.name).set(max(0.0, age))

    metrics.add_sampler("outbox", sample)


async def _backlog(collection: AsyncCollection[Doc]) -> tuple[int, datetime | None]:
    # Through the sparse index: only documents that hold events are read, and only their
    # events' times (stored as ISO strings by the envelope's JSON form).
    count, oldest = 0, None
    async for doc in collection.find(PENDING_FILTER, {f"{PENDING}.time": 1}):
        for stored in doc.get(PENDING) or []:
            count += 1
            when = _parse_time(stored.get("time"))
            if when is not None and (oldest is None or when < oldest):
                oldest = when
    return count, oldest


def _parse_time(raw: Any) -> datetime | None:
    if isinstance(raw, datetime):
        return raw if raw.tzinfo else raw.replace(tzinfo=UTC)
    if isinstance(raw, str):
        try:
            parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def watch_statuses(collection: AsyncCollection[Doc], statuses: Iterable[str]) -> None:
    """Declarations by status: one indexed count per status (a closed set, so bounded)."""
    known = tuple(statuses)

    async def sample() -> None:
        for status in known:
            metrics.DECLARATIONS.labels(status).set(
                await collection.count_documents({"status": status})
            )

    metrics.add_sampler("declarations", sample)


__all__ = ["watch_consumer", "watch_outbox", "watch_statuses"]
