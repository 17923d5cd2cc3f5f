"""A real failure is still loud: NATS going away under a running subscriber logs an ERROR
(the idle-pull workaround in vssid_shared.nats_fetch hides timeouts only), and the subscriber
takes events again once NATS is back."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.integration.test_pull_batches import copy_mailed
from vssid.devstack.servers import free_port, tool_path
from vssid_shared.bootstrap import declare_all
from vssid_shared.envelope import CloudEvent
from vssid_shared.messaging import make_broker, subscribe
from vssid_shared.nats_login import NatsLogin
from vssid_shared.subjects import Event, consumer

HOST = "127.0.0.1"


class PrivateNats:
    """A JetStream nats-server of this test's own (the session's stack must stay up)."""

    def __init__(self, store: Path) -> None:
        self.port = free_port(HOST)
        self.store = store
        self.process: asyncio.subprocess.Process | None = None

    @property
    def login(self) -> NatsLogin:
        return NatsLogin(f"nats://{HOST}:{self.port}")  # no users: anonymous

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            tool_path("nats-server"),
            *("-js", "-a", HOST, "-p", str(self.port), "-sd", str(self.store)),
            stderr=asyncio.subprocess.PIPE,
        )
        assert self.process.stderr is not None
        async with asyncio.timeout(30):
            async for line in self.process.stderr:
                if b"Server is ready" in line:
                    break
        # The rest of its log is not read: let it go nowhere rather than fill the pipe.
        self.drain = asyncio.create_task(self.process.stderr.read())

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
        self.process = None


class Seen(logging.Handler):
    """Sets `event` once a record at `level` or above says `text`."""

    def __init__(self, level: int, text: str) -> None:
        super().__init__(level)
        self.text = text
        self.event = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self.text in record.getMessage():
            self.event.set()


@pytest.fixture
async def private_nats(tmp_path: Path) -> AsyncIterator[PrivateNats]:
    server = PrivateNats(tmp_path / "jetstream")
    try:
        yield server
    finally:
        await server.kill()


async def test_nats_going_away_is_an_error_and_the_subscriber_resumes(
    private_nats: PrivateNats, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await private_nats.start()
    await declare_all(private_nats.login)
    tag = uuid.uuid4().hex
    got: asyncio.Queue[str] = asyncio.Queue()

    async def handler(event: CloudEvent) -> None:
        if event.data.get("tag") == tag:
            await got.put(event.id)

    broker = make_broker(private_nats.login, pull_batch_size=4)
    subscribe(broker, consumer("review", Event.COPY_MAILED), handler)
    await broker.start()
    lost = Seen(logging.ERROR, "lost the NATS connection")
    logging.getLogger().addHandler(lost)
    try:
        await private_nats.kill()
        async with asyncio.timeout(60):
            await lost.event.wait()
        await private_nats.start()  # same port, same store: the durable is still there
        event = copy_mailed(tag)
        client = await private_nats.login.connect()
        try:
            await client.jetstream().publish(event.nats_subject, event.model_dump_json().encode())
        finally:
            await client.close()
        async with asyncio.timeout(60):  # the broker reconnects by itself, then pulls it
            assert await got.get() == event.id
    finally:
        logging.getLogger().removeHandler(lost)
        await broker.stop()
    # A deliberate stop is no failure: the one ERROR is the outage's.
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, errors
