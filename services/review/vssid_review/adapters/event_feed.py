"""One agency's events read from JetStream's view stream, for the staff's live event stream
(`entrypoints/events`): ordered consumers on one shared connection, resumable by sequence."""

from __future__ import annotations

import asyncio

import nats
from nats.aio.client import Client
from nats.aio.subscription import Subscription
from nats.js.api import ConsumerConfig, DeliverPolicy

from vssid_review.ports import FeedItem
from vssid_shared.nats_login import NatsLogin
from vssid_shared.subjects import VIEW_STREAM, agency_filter


def deliver_policy(after_seq: int | None, only_new: bool) -> DeliverPolicy:
    """Resume after `Last-Event-ID`; else from now (the staff page: it has just loaded the
    queue, and replaying the agency's whole history on every page load costs what history
    weighs), else from the start."""
    if after_seq:
        return DeliverPolicy.BY_START_SEQUENCE
    return DeliverPolicy.NEW if only_new else DeliverPolicy.ALL


class JetStreamSubscription:
    def __init__(self, sub: Subscription) -> None:
        self._sub = sub

    async def next(self, wait_seconds: float) -> FeedItem | None:
        """The next event, or None when none came within `wait_seconds`."""
        try:
            msg = await self._sub.next_msg(timeout=wait_seconds)
        except nats.errors.TimeoutError:
            return None
        return FeedItem(msg.metadata.sequence.stream, msg.data)

    async def close(self) -> None:
        await self._sub.unsubscribe()


class JetStreamFeed:
    """One NATS connection per process for every open stream, made on first use."""

    def __init__(self, login: NatsLogin) -> None:
        self._login = login
        self._lock = asyncio.Lock()
        self._nc: Client | None = None

    async def connect(self) -> None:
        await self._connection()

    async def _connection(self) -> Client:
        async with self._lock:
            if self._nc is None or self._nc.is_closed:
                self._nc = await self._login.connect()
            return self._nc

    async def subscribe(
        self, agency: str, after_seq: int | None, *, only_new: bool
    ) -> JetStreamSubscription:
        js = (await self._connection()).jetstream()
        config = ConsumerConfig(
            deliver_policy=deliver_policy(after_seq, only_new),
            opt_start_seq=after_seq + 1 if after_seq else None,
        )
        sub = await js.subscribe(
            agency_filter(agency), stream=VIEW_STREAM, ordered_consumer=True, config=config
        )
        return JetStreamSubscription(sub)
