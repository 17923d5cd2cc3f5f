"""Bounded argon2 work: a few dedicated threads and a short waiting line, never an unbounded queue.

argon2id costs ~64 MiB and tens of milliseconds of every core it is given; run from the default
thread pool, a burst of logins queued behind each other and starved uploads and autofill on the
same process. Here at most `workers` hashes run at once on their own threads and at most
`max_waiting` more wait; beyond that a login is refused at once with 503 and `Retry-After`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from vssid_intake.domain.errors import HashingBusyError

T = TypeVar("T")
NICE = 10  # how much lower than the event loop's thread


def _lower_priority() -> None:
    """Runs argon2 at a lower CPU priority than request handling (Linux nice is per thread,
    and argon2's own lane threads inherit it): uploads and autofill go first on a busy box."""
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICE)


class HashingGate:
    def __init__(self, workers: int, max_waiting: int) -> None:
        self._workers = max(workers, 1)
        self._capacity = self._workers + max(max_waiting, 0)
        self._executor = ThreadPoolExecutor(
            self._workers, thread_name_prefix="argon2", initializer=_lower_priority
        )
        self._admitted = 0  # running plus waiting; only touched on the event loop's thread

    def has_room(self) -> bool:
        return self._admitted < self._capacity

    async def run(self, work: Callable[..., T], *args: object) -> T:
        """`work(*args)` on an argon2 thread, or HashingBusyError when the line is full."""
        if not self.has_room():
            raise HashingBusyError
        self._admitted += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, work, *args)
        finally:
            self._admitted -= 1

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
