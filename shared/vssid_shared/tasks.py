"""Background tasks a service runs beside its handlers (sweepers, refreshers)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable


async def stop_task(task: asyncio.Task[None] | None) -> None:
    """Cancel and wait, so shutdown never leaves a task writing after the client closed."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def every(
    seconds: float,
    work: Callable[[], Awaitable[object]],
    log: logging.Logger,
    *,
    what: str,
    first_now: bool = False,
) -> None:
    """Run `work` every `seconds` until cancelled; a failed pass is logged and the next retries."""
    if not first_now:
        await asyncio.sleep(seconds)
    while True:
        try:
            await work()
        except Exception:
            log.exception("%s failed; the next pass retries", what)
        await asyncio.sleep(seconds)
