"""A FastStream app around a worker's runtime: relay on start, clean stop, AsyncAPI docs."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from faststream import FastStream
from faststream.specification import AsyncAPI

from vssid_shared import tracing
from vssid_shared.logs import announce_ready
from vssid_shared.metrics_http import MetricsServer
from vssid_shared.runtime import Runtime


def worker_app(
    runtime: Runtime,
    *,
    title: str,
    description: str,
    log: logging.Logger,
    on_start: Callable[[], Awaitable[None]] | None = None,
    on_stop: Callable[[], Awaitable[None] | None] | None = None,
) -> FastStream:
    spec = AsyncAPI(runtime.broker, title=title, version="1", description=description)
    app = FastStream(runtime.broker, specification=spec, logger=log)
    settings = runtime.settings
    tracing.configure(log.name, settings.otel_endpoint, sample_ratio=settings.otel_sample_ratio)
    served = MetricsServer(
        settings.host, settings.metrics_port, settings.metrics_token_value(), runtime.ready
    )

    @app.on_startup
    async def starting() -> None:
        if on_start is not None:
            await on_start()  # e.g. indexes, before the first message arrives

    @app.after_startup
    async def started() -> None:
        runtime.start_relay()
        if settings.metrics_port:
            await served.start()
        announce_ready(log)

    @app.on_shutdown
    async def stopping() -> None:
        await served.stop()
        if runtime.relay:
            await runtime.relay.stop()
        if on_stop is not None and (pending := on_stop()) is not None:
            await pending

    @app.after_shutdown
    async def closed() -> None:
        await runtime.close_store()

    return app
