"""Relayed child output: prefixed echo to stdout and a searchable tail of recent lines."""

from __future__ import annotations

import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TextIO

# One lock for every printed line so lines from different children never interleave mid-line.
_OUTPUT_LOCK = threading.Lock()
_WAIT_SLICE = 0.2


def emit(line: str, stream: TextIO | None = None) -> None:
    """Print one line to stdout (or `stream`) without interleaving with relayed child output."""
    with _OUTPUT_LOCK:
        target = stream or sys.stdout
        target.write(line + "\n")
        target.flush()


class LineLog:
    """Lines of one child: echoed with a prefix, the last `keep` kept, waitable by predicate."""

    def __init__(self, prefix: str, echo: TextIO | bool = True, keep: int = 200) -> None:
        self._prefix = prefix
        self._echo = echo
        self._tail: deque[str] = deque(maxlen=keep)
        self._count = 0
        self._life_start = 0
        self._closed = False
        self._cond = threading.Condition()

    def reset(self) -> None:
        """A new life of the child (restart): old lines stay in the tail but match no wait."""
        with self._cond:
            self._life_start = self._count
            self._closed = False

    def feed(self, line: str) -> None:
        with self._cond:
            self._tail.append(line)
            self._count += 1
            self._cond.notify_all()
        if self._echo is not False:
            emit(self._prefix + line, None if self._echo is True else self._echo)

    def close(self) -> None:
        """The child's output ended (it exited); wake every waiter."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def tail(self, n: int | None = None) -> list[str]:
        with self._cond:
            lines = list(self._tail)
        return lines if n is None else lines[-n:]

    def wait_for(
        self, predicate: Callable[[str], bool], timeout: float, abort: Callable[[], None]
    ) -> str | None:
        """The first kept or future line matching `predicate`; None once closed or timed out.

        `abort` is called between waits and may raise to give up early.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            checked = self._life_start
            while True:
                first_kept = self._count - len(self._tail)
                for index in range(max(checked, first_kept), self._count):
                    if predicate(self._tail[index - first_kept]):
                        return self._tail[index - first_kept]
                checked = self._count
                remaining = deadline - time.monotonic()
                if self._closed or remaining <= 0:
                    return None
                abort()
                # Bounded slices so an abort request is noticed while no output arrives.
                self._cond.wait(min(remaining, _WAIT_SLICE))
