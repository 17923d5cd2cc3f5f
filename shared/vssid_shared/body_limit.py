"""A pure ASGI middleware refusing a request body over its route's limit before it is read whole.

A declared `Content-Length` over the limit is answered 413 at once, without reading a byte of
the body; a chunked (or lying) body is counted as it streams and the read that passes the limit
raises `BodyTooLargeError`, which the error installer turns into the same 413. Nothing upstream
ever holds more than the limit (plus one chunk) in memory.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vssid_shared.http_problem import problem_bytes

KIB = 1024
JSON_BODY_LIMIT = 64 * KIB  # every JSON route: declarations, reasons and payloads are small
# After a 413 the server waits a moment before it closes ("lingering close", as nginx does):
# closing with unread bytes makes the kernel send a reset, which destroys the 413 in the
# client's receive buffer if it has not read it yet. For the first LINGER_BYTES the rest of the
# body is read and dropped (a client that sends everything before reading then gets its answer
# with no reset at all); past that the server stops reading but keeps the connection open until
# LINGER_SECONDS, so a client reading while it sends has that long to take the answer. Nothing
# is kept, so it costs no memory; the time bound caps what one connection can hold.
LINGER_SECONDS = 1.5
LINGER_BYTES = 8 * KIB * KIB

# The limit for one request, from its scope (method, path, headers).
LimitFor = Callable[[Scope], int]


def too_large_message(limit: int) -> str:
    size = f"{limit // KIB} KiB" if limit >= KIB else f"{limit} byte"
    return f"Nội dung yêu cầu vượt quá giới hạn {size} của địa chỉ này."


class BodyTooLargeError(HTTPException):
    """A body passed its route's limit while streaming. An HTTPException, so FastAPI's body
    parsing re-raises it as it is rather than turning it into a plain 400."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large_message(limit))
        self.limit = limit


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def declared_length(scope: Scope) -> int | None:
    value = header(scope, b"content-length")
    return int(value) if value is not None and value.strip().isdigit() else None


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, limit_for: LimitFor) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        length = declared_length(scope)
        if length is not None and length > limit:
            await refuse(lingering(send, receive, Overflow(True)), limit)
            return
        overflow = Overflow()
        counted = counting(receive, limit, overflow)
        await self.app(scope, counted, lingering(send, receive, overflow))


@dataclass
class Overflow:
    """Whether this request's body went over its limit (its answer then lingers)."""

    happened: bool = False


def counting(receive: Receive, limit: int, overflow: Overflow) -> Receive:
    seen = 0

    async def receive_counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                overflow.happened = True
                raise BodyTooLargeError(limit)
        return message

    return receive_counted


def lingering(send: Send, receive: Receive, overflow: Overflow) -> Send:
    """`send`, except that the last part of an answer to an over-limit body is held back while
    the rest of the body is dropped (see LINGER_SECONDS): the answer is complete on the wire
    (Content-Length), only the connection's close waits."""

    async def send_lingering(message: Message) -> None:
        last = message["type"] == "http.response.body" and not message.get("more_body", False)
        if not (last and overflow.happened):
            await send(message)
            return
        await send({**message, "more_body": True})
        await drop_rest(receive)
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    return send_lingering


async def drop_rest(receive: Receive) -> None:
    deadline = time.monotonic() + LINGER_SECONDS
    dropped = 0
    while dropped <= LINGER_BYTES and (left := deadline - time.monotonic()) > 0:
        try:
            message = await asyncio.wait_for(receive(), left)
        except TimeoutError:
            return
        if message["type"] != "http.request" or not message.get("more_body", False):
            return  # the body ended or the client went away: close now, nothing unread
        dropped += len(message.get("body", b""))
    # Still sending past the byte bound: stop reading, but do not reset the connection under
    # an answer the client may not have read yet.
    await asyncio.sleep(max(0.0, deadline - time.monotonic()))


async def refuse(send: Send, limit: int) -> None:
    body = problem_bytes("body_too_large", too_large_message(limit))
    headers: list[tuple[bytes, bytes]] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        # The unread body cannot be skipped cheaply: end the connection after this answer.
        (b"connection", b"close"),
    ]
    start: dict[str, Any] = {"type": "http.response.start", "status": 413, "headers": headers}
    await send(start)
    await send({"type": "http.response.body", "body": body})
