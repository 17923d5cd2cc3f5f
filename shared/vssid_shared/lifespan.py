"""An HTTP service's lifespan: start its runtime and background tasks, stop them in reverse."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from typing import Any

from vssid_shared.logs import announce_ready
from vssid_shared.runtime import Runtime
from vssid_shared.tasks import stop_task

Background = tuple[str, Callable[[], Coroutine[Any, Any, None]]]


def service_lifespan(
    runtime: Runtime,
    log: logging.Logger,
    *,
    on_start: Callable[[], Awaitable[None]],
    background: Sequence[Background] = (),
    on_stop: Callable[[], None] | None = None,
) -> Callable[[Any], Any]:
    """FastAPI's `lifespan=`: `on_start` (indexes, migrations), then the broker and the outbox
    relay, then each background loop; on the way out every task is cancelled and awaited
    before the clients close, so nothing writes after its connection is gone."""

    @asynccontextmanager
    async def lifespan(_: Any) -> AsyncIterator[None]:
        await on_start()
        await runtime.start()
        tasks = [asyncio.create_task(run(), name=name) for name, run in background]
        announce_ready(log)
        try:
            yield
        finally:
            for task in reversed(tasks):
                await stop_task(task)
            await runtime.stop()
            if on_stop is not None:
                on_stop()

    return lifespan
