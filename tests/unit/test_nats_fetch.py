"""The fetch workaround converts exactly one thing: nats-py's bare `TimeoutError` of an idle
pull (nats-io/nats.py#1008). A real failure keeps its class, so it is still logged as one."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import nats.errors
import nats.js.errors
import pytest
from nats.aio.msg import Msg
from nats.js.client import JetStreamContext

from vssid_shared import nats_fetch


def raising(exc: BaseException) -> Callable[..., Awaitable[list[Msg]]]:
    async def fetch(_sub: object, *_args: object, **_kwargs: object) -> list[Msg]:
        raise exc

    return fetch


async def test_a_bare_timeout_becomes_the_one_faststream_suppresses() -> None:
    fetch = nats_fetch.keeping_the_timeout_contract(raising(TimeoutError()))
    with pytest.raises(nats.errors.TimeoutError) as caught:
        await fetch(object(), 4, timeout=5.0)
    assert isinstance(caught.value.__cause__, TimeoutError)  # the original, for a debugger


@pytest.mark.parametrize(
    "exc",
    [
        nats.errors.TimeoutError(),
        nats.js.errors.FetchTimeoutError(),
        nats.errors.ConnectionClosedError(),  # NATS gone
        nats.errors.NoServersError(),
        nats.js.errors.APIError(code=409, description="Consumer Deleted"),
        nats.js.errors.ServiceUnavailableError(),
        nats.errors.AuthorizationError(),  # a login refused
        nats.errors.Error("nats: 'permissions violation for subscription'"),
        asyncio.CancelledError(),  # the subscriber stopping
    ],
)
async def test_anything_else_passes_unchanged(exc: BaseException) -> None:
    fetch = nats_fetch.keeping_the_timeout_contract(raising(exc))
    with pytest.raises(type(exc)) as caught:
        await fetch(object(), 4, timeout=5.0)
    assert caught.value is exc


async def test_messages_pass_through() -> None:
    async def fetch(_sub: object, batch: int, **kwargs: float) -> list[Msg]:
        return [Msg(None, subject=f"s.{batch}.{kwargs['timeout']}")]  # type: ignore[arg-type]

    wrapped = nats_fetch.keeping_the_timeout_contract(fetch)
    assert [m.subject for m in await wrapped(object(), 2, timeout=1.0)] == ["s.2.1.0"]


def test_install_wraps_once() -> None:
    nats_fetch.install()
    once = JetStreamContext.PullSubscription.fetch
    nats_fetch.install()
    assert JetStreamContext.PullSubscription.fetch is once
    assert once.__wrapped__.__qualname__ == "JetStreamContext.PullSubscription.fetch"  # type: ignore[attr-defined]
