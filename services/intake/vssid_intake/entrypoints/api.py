"""Intake's HTTP API for front ends (CONTRACT §3): the app around `bootstrap`'s `App`."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI

from vssid_intake.adapters import declarations
from vssid_intake.bootstrap import App, bootstrap
from vssid_intake.domain.statuses import Status
from vssid_intake.entrypoints import (
    auth_routes,
    autofill_routes,
    declaration_routes,
    privacy_routes,
)
from vssid_intake.entrypoints.applicant_app import register_applicant_app
from vssid_intake.entrypoints.dependencies import app_of
from vssid_intake.entrypoints.errors import ERROR_RESPONSES, install_error_handlers
from vssid_intake.entrypoints.worker import register_subscribers
from vssid_intake.handlers import reconcile_and_retain, refresh_agencies
from vssid_intake.settings import IntakeSettings
from vssid_shared import metrics_http, metrics_samplers, tracing
from vssid_shared.headers import SecurityHeaders
from vssid_shared.lifespan import service_lifespan
from vssid_shared.logs import configure_logging
from vssid_shared.ops_routes import ops_router
from vssid_shared.tasks import every

ops = ops_router(lambda request: app_of(request).runtime)


def create_app(settings: IntakeSettings | None = None, **overrides: Any) -> FastAPI:
    """The ASGI app; `overrides` go to `bootstrap` (tests give fakes there)."""
    settings = settings or IntakeSettings()
    log = configure_logging("intake", settings.log_level)
    app = bootstrap(settings, **overrides)
    register_subscribers(app.runtime.broker, app.deps)
    api = FastAPI(
        title="VssID intake",
        version="1",
        description="Đăng ký giao dịch điện tử với BHXH: tờ khai, ảnh, gửi hồ sơ.",
        lifespan=service_lifespan(
            app.runtime,
            log,
            on_start=lambda: start(app, log),
            background=background(app, log),
            on_stop=app.stop,
        ),
        responses=ERROR_RESPONSES,
    )
    api.state.intake = app
    install_error_handlers(api, settings.max_image_bytes)
    api.add_middleware(SecurityHeaders)
    metrics_http.install(api, settings.metrics_token_value())
    tracing.install(settings, service="intake")
    metrics_samplers.watch_statuses(app.runtime.db[declarations.COLLECTION], list(Status))
    for router in (
        ops,
        declaration_routes.router,
        privacy_routes.router,
        auth_routes.router,
        autofill_routes.router,
    ):
        api.include_router(router)
    register_applicant_app(api)
    return api


async def start(app: App, log: logging.Logger) -> None:
    """Indexes and migrations of every store, then the imported agency catalog."""
    for ensure in app.indexes:
        await ensure()
    # Data written before numbers became keyed ids is re-keyed (or, sessions, ended).
    moved = {name: await migrate() for name, migrate in app.migrations.items()}
    if any(moved.values()):
        log.info("re-keyed documents with numbers in clear", extra=moved)
    await app.runtime.db.drop_collection("login_failures")  # counters of the old layout
    await refresh_agencies(app.agency_source, deps=app.deps)


def background(app: App, log: logging.Logger) -> list[Any]:
    async def keep_agencies_fresh() -> None:
        await every(
            app.settings.agency_refresh_seconds,
            lambda: refresh_agencies(app.agency_source, deps=app.deps),
            log,
            what="agency catalog refresh",
        )

    async def reconcile() -> None:
        await every(
            app.reconcile.interval_seconds,
            lambda: reconcile_and_retain(app.reconcile, deps=app.deps),
            log,
            what="reconcile pass",
        )

    return [("agency-refresh", keep_agencies_fresh), ("reconciler", reconcile)]
