"""Background tasks a service runs beside its handlers (sweepers, refreshers)."""

from __future__ import annotations

import asyncio
import contextlib


async def stop_task(task: asyncio.Task[None] | None) -> None:
    """Cancel and wait, so shutdown never leaves a task writing after the client closed."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
