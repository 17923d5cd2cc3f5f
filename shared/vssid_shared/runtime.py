"""Starting and stopping the parts every service has: Mongo, broker and outbox relay."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from faststream.nats import NatsBroker
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from vssid_shared import metrics_samplers
from vssid_shared.crypto import Keys
from vssid_shared.messaging import make_broker
from vssid_shared.mongo import Doc, connect, ping
from vssid_shared.nats_login import NatsLogin
from vssid_shared.outbox import OutboxRelay
from vssid_shared.settings import CommonSettings
from vssid_shared.shredding import attach_data_keys


@dataclass
class Runtime:
    """The I/O handles of one service process."""

    settings: CommonSettings
    client: AsyncMongoClient[Doc]
    db: AsyncDatabase[Doc]
    broker: NatsBroker
    keys: Keys
    relay: OutboxRelay | None = None
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("vssid"))

    @classmethod
    def create(cls, settings: CommonSettings) -> Runtime:
        client = connect(
            settings.mongo_url,
            timeout_ms=settings.mongo_server_selection_timeout_ms,
            socket_timeout_ms=settings.mongo_socket_timeout_ms,
        )
        secret = settings.secret_key.get_secret_value()
        keys = Keys(secret)
        db = client[settings.mongo_db]
        attach_data_keys(keys, db, secret, settings.mongo_url)
        return cls(
            settings=settings,
            client=client,
            db=db,
            broker=make_broker(
                NatsLogin.from_settings(settings), pull_batch_size=settings.pull_batch_size
            ),
            keys=keys,
        )

    def with_outbox(self, collections: Sequence[AsyncCollection[Doc]]) -> OutboxRelay:
        self.relay = OutboxRelay(self.broker, collections)
        metrics_samplers.watch_outbox(collections)
        return self.relay

    async def start(self) -> None:
        await self.broker.start()
        self.start_relay()

    def start_relay(self) -> None:
        """The one way every service (HTTP or worker) starts its outbox relay."""
        if self.relay:
            self.relay.start()

    async def stop(self) -> None:
        if self.relay:
            await self.relay.stop()
        await self.broker.stop()
        await self.close_store()

    async def close_store(self) -> None:
        """The MongoDB client closed, and this service's data keys out of `preload`'s rings."""
        if self.keys.data is not None:
            self.keys.data.close()
        await self.client.close()

    async def ready(self) -> bool:
        return all((await self.checks()).values())

    async def checks(self) -> dict[str, bool]:
        """Whether each dependency answers right now (both asked at once: fail fast)."""
        nats_ok, mongo_ok = await asyncio.gather(self.nats_answers(), ping(self.db))
        return {"mongo": mongo_ok, "nats": nats_ok}

    async def nats_answers(self) -> bool:
        try:
            return bool(await self.broker.ping(timeout=2.0))
        except Exception:
            return False
