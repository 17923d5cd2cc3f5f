"""Serving the metrics: an ASGI middleware and `/metrics` for intake and review, and a small
in-loop HTTP server for the workers on `VSSID_METRICS_PORT`.

The workers' server runs on the worker's own event loop (no thread, no second framework), so
a scrape-time sampler can await the broker and the database the worker already holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vssid_shared import metrics

log = logging.getLogger(__name__)

UNMATCHED = "unmatched"  # any path no route serves: one label value, never the raw path


class HttpMetrics:
    """Counts every HTTP answer and times it, labelled by the route template that served it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # an exception that escapes the app answers 500 further out

        async def send_counted(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_counted)
        finally:
            route = route_template(scope)
            method = scope.get("method", "GET") if route != UNMATCHED else "any"
            metrics.HTTP_REQUESTS.labels(method, route, str(status)).inc()
            metrics.HTTP_DURATION.labels(method, route).observe(time.perf_counter() - started)


def route_template(scope: Scope) -> str:
    """`/v1/declarations/{declaration_id}`, as FastAPI's router left it in the scope."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str) and path:
        return path
    return UNMATCHED


def install(api: FastAPI, token: str | None = None) -> None:
    """The hook for an HTTP service: the middleware, and `GET /metrics` (bearer `token` if set)."""
    api.add_middleware(HttpMetrics)

    @api.get("/metrics", include_in_schema=False)
    async def scrape(request: Request) -> Response:
        if token and not _bearer_matches(request.headers.get("authorization"), token):
            return Response(status_code=401, headers={"WWW-Authenticate": "Bearer"})
        body, content_type = await metrics.exposition()
        return Response(body, media_type=content_type)


def _bearer_matches(header: str | None, token: str) -> bool:
    scheme, _, given = (header or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token)


class MetricsServer:
    """`GET /metrics`, `/health` and `/ready` on the worker's own port (probes of Kubernetes),
    answered on the running loop; anything else is 404."""

    def __init__(
        self,
        host: str,
        port: int,
        token: str | None = None,
        ready: Callable[[], Awaitable[bool]] | None = None,
    ) -> None:
        self._host, self._port, self._token = host, port, token
        self._ready = ready
        self._server: asyncio.Server | None = None

    @property
    def port(self) -> int:
        if self._server is None or not self._server.sockets:
            return self._port
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self._host, self._port)
        log.info("metrics served", extra={"port": self.port})

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5.0)
            status, body, content_type = await self._answer(head)
            writer.write(
                f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                + body
            )
            await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
            pass  # a client that sent no whole request head gets nothing
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _answer(self, head: bytes) -> tuple[str, bytes, str]:
        lines = head.decode("latin-1").split("\r\n")
        method, _, rest = lines[0].partition(" ")
        path = rest.partition(" ")[0].partition("?")[0]
        if method == "GET" and path == "/health":
            return "200 OK", b'{"status":"ok"}', "application/json"
        if method == "GET" and path == "/ready":
            ok = self._ready is None or await self._ready()
            if ok:
                return "200 OK", b'{"status":"ready"}', "application/json"
            return "503 Service Unavailable", b'{"status":"not ready"}', "application/json"
        if method != "GET" or path != "/metrics":
            return "404 Not Found", b"not found\n", "text/plain"
        if self._token:
            headers = (line.partition(":") for line in lines[1:])
            auth = next((v.strip() for k, _, v in headers if k.lower() == "authorization"), None)
            if not _bearer_matches(auth, self._token):
                return "401 Unauthorized", b"unauthorized\n", "text/plain"
        body, content_type = await metrics.exposition()
        return "200 OK", body, content_type


__all__ = ["HttpMetrics", "MetricsServer", "install", "route_template"]
