"""An idle durable subscriber logs no errors: its pulls that time out with nothing to fetch
are the normal case, not a failure (nats-py's bare `TimeoutError`, see vssid_shared.nats_fetch).

Before the workaround, each idle batch pull on a busy event loop could end in a bare
`TimeoutError` that escaped FastStream's consume loop: "Task-N raised an exception,
retrying..." at ERROR with a traceback, seconds after start-up, on a healthy system.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import nats.errors
import pytest
from nats.aio.msg import Msg
from nats.js.client import JetStreamContext

from tests.integration.test_pull_batches import BATCH, copy_mailed, publish
from vssid.devstack import Stack
from vssid_shared.bootstrap import declare_all
from vssid_shared.envelope import CloudEvent
from vssid_shared.messaging import make_broker, subscribe
from vssid_shared.subjects import Event, consumer

# Idle pulls to outlast: the noise came with the first one or two (5 s each) on a busy loop.
IDLE_PULLS = 4


class PullCounter:
    """Counts the pulls that ended with nothing fetched, and how (the exception's class)."""

    def __init__(self) -> None:
        self.idle: list[type[BaseException]] = []
        self.changed = asyncio.Event()

    def wrap(self, fetch: Callable[..., Awaitable[list[Msg]]]) -> Callable[..., Any]:
        async def counted(sub: Any, *args: Any, **kwargs: Any) -> list[Msg]:
            try:
                return await fetch(sub, *args, **kwargs)
            except TimeoutError as exc:
                self.idle.append(type(exc))
                self.changed.set()
                raise

        return counted

    async def wait_for(self, pulls: int) -> None:
        while len(self.idle) < pulls:
            self.changed.clear()
            await self.changed.wait()


@contextlib.asynccontextmanager
async def busy_loop() -> AsyncIterator[None]:
    """CPU work holding the event loop in 20 ms slices, as a worker's start-up does: the
    loaded loop that makes the server's 408 win the race against the client's timer."""

    async def hog() -> None:
        while True:
            time.sleep(0.02)  # noqa: ASYNC251 - holding the loop is the point
            await asyncio.sleep(0)

    task = asyncio.create_task(hog())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def errors_of(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_an_idle_batch_subscriber_logs_no_error_and_still_consumes(
    stack: Stack, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    await declare_all(stack.nats_login("bootstrap"))
    tag = uuid.uuid4().hex
    got: asyncio.Queue[str] = asyncio.Queue()

    async def handler(event: CloudEvent) -> None:
        if event.data.get("tag") == tag:  # another test's leftover on this durable: acked
            await got.put(event.id)

    caplog.set_level(logging.INFO)
    broker = make_broker(stack.nats_login("review"), pull_batch_size=BATCH)  # installs the fix
    pulls = PullCounter()
    fetch = JetStreamContext.PullSubscription.fetch
    monkeypatch.setattr(JetStreamContext.PullSubscription, "fetch", pulls.wrap(fetch))
    subscribe(broker, consumer("review", Event.COPY_MAILED), handler)
    await broker.start()
    try:
        async with busy_loop(), asyncio.timeout(180):
            await pulls.wait_for(IDLE_PULLS)
        event = copy_mailed(tag)
        await publish(stack, [event])
        async with asyncio.timeout(60):
            assert await got.get() == event.id  # the consume loop still pulls and settles
    finally:
        await broker.stop()

    # No consume task died and was restarted by FastStream's supervisor, nothing at ERROR ...
    assert not [r for r in caplog.records if "raised an exception" in r.getMessage()]
    assert [r.getMessage() for r in errors_of(caplog)] == []
    # ... because every idle pull ended in the exception FastStream suppresses.
    assert all(issubclass(kind, nats.errors.TimeoutError) for kind in pulls.idle), pulls.idle
