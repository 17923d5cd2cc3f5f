"""nats-py's pull `fetch` raises its documented timeout exception again (a narrow workaround).

An idle durable subscriber (FastStream's `_consume_pull`) fetches in a loop and suppresses
`nats.errors.TimeoutError`, the exception `PullSubscription.fetch` documents for "no message
before the timeout" (faststream/nats/subscriber/usecases/stream_pull_subscriber.py:83).
Since nats-py 2.15 (nats-io/nats.py#934), a fetch of more than one message
(`_fetch_n`, nats/js/client.py:1295 and :1302) raises a bare `asyncio.TimeoutError` instead
when its no-wait probe, which the server holds open until `expires` (timeout - 0.1 ms), is
answered by the 408 before the client's own timer fires: a race the client loses whenever its
event loop is busy, as at start-up. The bare `TimeoutError` is the base class of nats-py's,
not a subclass, so it escapes the suppress, kills the consume task, and FastStream's task
supervisor logs "Task-N raised an exception, retrying..." with a traceback at ERROR (once per
process: it remembers tracebacks it has shown) and restarts the task.

Upstream fix, unreleased as of nats-py 2.16.0 (the newest on PyPI): nats-io/nats.py#1008.
Drop this module once a release contains it. Only that one exception is converted: every other
error (a closed connection, a refused permission, a JetStream API error) passes unchanged.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

import nats.errors
from nats.aio.msg import Msg
from nats.js.client import JetStreamContext

Fetch = Callable[..., Awaitable[list[Msg]]]

_PullSubscription = JetStreamContext.PullSubscription
_wrapped: Fetch | None = None


def keeping_the_timeout_contract(fetch: Fetch) -> Fetch:
    """`fetch` whose bare `TimeoutError` (the deadline spent, nothing fetched) is nats-py's."""

    @functools.wraps(fetch)
    async def fetched(self: Any, *args: Any, **kwargs: Any) -> list[Msg]:
        try:
            return await fetch(self, *args, **kwargs)
        except nats.errors.TimeoutError:
            raise
        except TimeoutError as exc:  # asyncio.TimeoutError is the builtin since Python 3.11
            raise nats.errors.TimeoutError from exc

    return fetched


def install() -> None:
    """Wrap `PullSubscription.fetch` once per process (idempotent)."""
    global _wrapped
    if _wrapped is not None and _PullSubscription.fetch is _wrapped:
        return
    _wrapped = keeping_the_timeout_contract(_PullSubscription.fetch)
    _PullSubscription.fetch = _wrapped  # type: ignore[method-assign, assignment]
