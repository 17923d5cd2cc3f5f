"""Runs the SMTP listener and the HTTP API together on one asyncio loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from vssid.catcher.api import create_app
from vssid.catcher.smtp import start_smtp
from vssid.catcher.store import MailStore, SmsStore

log = logging.getLogger(__name__)

SHUTDOWN_GRACE_SECONDS = 2.0


@dataclass(frozen=True)
class CatcherConfig:
    """Where to listen and where to keep what arrives."""

    host: str = "127.0.0.1"
    smtp_port: int = 1025
    http_port: int = 8025
    data_dir: Path = Path(".data/mail")


class _EmbeddedUvicorn(uvicorn.Server):
    """uvicorn that leaves signals to whoever runs the loop."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # uvicorn would re-raise a captured SIGTERM after shutdown, killing the process by
        # signal instead of letting it exit 0 once the SMTP side is closed too.
        yield


def _bind(host: str, port: int) -> socket.socket:
    # Binding here rather than in uvicorn turns "port in use" into an OSError for our caller
    # instead of a sys.exit() from inside a task.
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


async def serve(config: CatcherConfig, stop: asyncio.Event | None = None) -> None:
    """Serve SMTP and HTTP until `stop` is set (or the task is cancelled), then close both."""
    mail = MailStore(config.data_dir)
    sms = SmsStore(config.data_dir)
    http_sock = _bind(config.host, config.http_port)
    try:
        smtp_server = await start_smtp(mail, config.host, config.smtp_port)
    except OSError:
        http_sock.close()
        raise
    http = _EmbeddedUvicorn(
        uvicorn.Config(
            create_app(mail, sms),
            log_config=None,
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=int(SHUTDOWN_GRACE_SECONDS),
        )
    )
    http_task = asyncio.create_task(http.serve(sockets=[http_sock]))
    stop_task = asyncio.create_task((stop or asyncio.Event()).wait())
    log.info(
        "catcher listening: smtp %s:%d, http %s:%d, data in %s",
        config.host,
        config.smtp_port,
        config.host,
        config.http_port,
        config.data_dir,
    )
    try:
        await asyncio.wait({http_task, stop_task}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop_task.cancel()
        await _shutdown(smtp_server, http, http_task)
        http_sock.close()
    if http_task.done() and not http_task.cancelled() and http_task.exception():
        raise RuntimeError("the HTTP server stopped unexpectedly") from http_task.exception()
    log.info("catcher stopped")


async def _shutdown(
    smtp_server: asyncio.Server, http: uvicorn.Server, http_task: asyncio.Task[None]
) -> None:
    smtp_server.close()
    http.should_exit = True
    # Since Python 3.12 wait_closed() also waits for idle SMTP clients; do not hang on them.
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(smtp_server.wait_closed(), SHUTDOWN_GRACE_SECONDS)
    with contextlib.suppress(TimeoutError, asyncio.CancelledError):
        await asyncio.wait_for(asyncio.shield(http_task), SHUTDOWN_GRACE_SECONDS * 2)
