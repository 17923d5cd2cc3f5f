"""Intake's HTTP API for front ends (CONTRACT §3)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Header, Request
from fastapi.responses import JSONResponse

from vssid_intake.bootstrap import App, build, keep_agencies_fresh, start
from vssid_intake.entrypoints.auth_routes import register_auth_routes
from vssid_intake.entrypoints.autofill_routes import register_autofill_routes
from vssid_intake.entrypoints.bearer import Token
from vssid_intake.entrypoints.errors import ERROR_RESPONSES, install_error_handlers
from vssid_intake.entrypoints.openapi import body_with_file
from vssid_intake.entrypoints.schemas import (
    AgencyOut,
    CreatedOut,
    DeclarationIn,
    DeclarationOut,
    ImageOut,
    SubmittedOut,
)
from vssid_intake.entrypoints.upload import read_file_field
from vssid_intake.entrypoints.views import declaration_view
from vssid_intake.errors import IntakeError
from vssid_intake.settings import IntakeSettings
from vssid_shared.clock import vn_date
from vssid_shared.headers import SecurityHeaders
from vssid_shared.http_errors import ready_answer
from vssid_shared.logs import announce_ready, configure_logging
from vssid_shared.tasks import stop_task

ImageKind = Literal["portrait", "id_front", "id_back"]
UPLOAD_SCHEMA = body_with_file()


def create_app(settings: IntakeSettings | None = None) -> FastAPI:
    settings = settings or IntakeSettings()
    log = configure_logging("intake", settings.log_level)
    app_state = build(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await start(app_state)
        refreshing = asyncio.create_task(keep_agencies_fresh(app_state))
        reconciling = asyncio.create_task(app_state.reconciler.run(), name="reconciler")
        announce_ready(log)
        yield
        await stop_task(reconciling)
        await stop_task(refreshing)
        await app_state.runtime.stop()
        app_state.accounts.hashing.close()

    api = FastAPI(
        title="VssID intake",
        version="1",
        description="Đăng ký giao dịch điện tử với BHXH: tờ khai, ảnh, gửi hồ sơ.",
        lifespan=lifespan,
        responses=ERROR_RESPONSES,
    )
    install_error_handlers(api, settings.max_image_bytes)
    api.add_middleware(SecurityHeaders)
    register_routes(api, app_state)
    register_auth_routes(api, app_state.accounts)
    register_autofill_routes(
        api,
        app_state.autofill,
        app_state.limiter,
        settings.max_image_bytes,
        app_state.decode_gate,
    )
    return api


def register_routes(api: FastAPI, app: App) -> None:
    intake = app.intake

    @api.get("/health", tags=["ops"])
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @api.get("/ready", tags=["ops"])
    async def ready() -> JSONResponse:
        return await ready_answer(app.runtime)

    @api.get("/v1/agencies", response_model=list[AgencyOut], tags=["agencies"])
    async def agencies(province_code: str | None = None) -> list[dict[str, Any]]:
        today = vn_date(intake.clock())
        if province_code is None:
            return [a.public() for a in intake.agencies.active(today)]
        # The catalog's own rule: a CCCD's "048" is agency province "48".
        return [a.public() for a in intake.agencies.by_province(province_code, today=today)]

    @api.post("/v1/declarations", status_code=201, response_model=CreatedOut, tags=["declarations"])
    async def create(body: DeclarationIn) -> dict[str, Any]:
        doc, token = await intake.create_declaration(body.model_dump(exclude_unset=True))
        return {**declaration_view(doc, intake.store), "access_token": token}

    @api.get(
        "/v1/declarations/{declaration_id}", response_model=DeclarationOut, tags=["declarations"]
    )
    async def read(declaration_id: str, token: Token) -> dict[str, Any]:
        return declaration_view(await intake.load(declaration_id, token), intake.store)

    @api.patch(
        "/v1/declarations/{declaration_id}", response_model=DeclarationOut, tags=["declarations"]
    )
    async def edit(declaration_id: str, body: DeclarationIn, token: Token) -> dict[str, Any]:
        patch = body.model_dump(exclude_unset=True)
        doc = await intake.update_declaration(declaration_id, token, patch)
        return declaration_view(doc, intake.store)

    @api.put(
        "/v1/declarations/{declaration_id}/images/{kind}",
        status_code=201,
        response_model=ImageOut,
        openapi_extra=UPLOAD_SCHEMA,
        tags=["declarations"],
    )
    async def upload(declaration_id: str, kind: ImageKind, request: Request, token: Token) -> Any:
        await intake.load(declaration_id, token)  # refuse strangers before reading the body
        data = await read_file_field(
            request.headers.get("content-type", ""),
            request.headers.get("content-length"),
            request.stream(),
            limit=intake.max_image_bytes,
        )
        if data is None:
            raise IntakeError("Thiếu trường 'file' chứa ảnh.")
        return await intake.put_image(declaration_id, token, kind, data)

    @api.post(
        "/v1/declarations/{declaration_id}/submit",
        status_code=202,
        response_model=SubmittedOut,
        tags=["declarations"],
    )
    async def submit(
        declaration_id: str,
        token: Token,
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    ) -> dict[str, Any]:
        doc = await intake.submit_declaration(declaration_id, token, idempotency_key)
        return {"status": "submitted", "reference": doc["reference"]}
