"""review's HTTP API for BHXH office staff (CONTRACT §4): the app around `bootstrap`'s `App`."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from vssid_review.bootstrap import App, bootstrap
from vssid_review.domain.paging import DEFAULT_LIMIT, MAX_LIMIT, decode_cursor, encode_cursor
from vssid_review.entrypoints.asyncapi import asyncapi_router
from vssid_review.entrypoints.dependencies import DepsDep, Op, app_of
from vssid_review.entrypoints.events import StreamGate, event_stream_router
from vssid_review.entrypoints.page import page_router
from vssid_review.entrypoints.staff_routes import staff_router
from vssid_review.entrypoints.views import detail_view, summary_view
from vssid_review.entrypoints.worker import register_subscribers
from vssid_review.handlers import (
    FindCase,
    ListCases,
    ReadCase,
    ReadCaseImage,
    RejectCase,
    VerifyCase,
    case_detail,
    find_case_by_reference,
    list_cases,
    read_case,
    read_case_image,
    reject_case,
    sweep_and_reconcile,
    verify_case,
)
from vssid_review.ports import Deps
from vssid_review.settings import ReviewSettings
from vssid_shared import metrics_http, tracing
from vssid_shared.body_limit import JSON_BODY_LIMIT
from vssid_shared.doc import Doc
from vssid_shared.headers import SecurityHeaders
from vssid_shared.http_errors import install_error_handlers
from vssid_shared.lifespan import service_lifespan
from vssid_shared.logs import configure_logging
from vssid_shared.ops_routes import ops_router
from vssid_shared.tasks import every

Q_HELP = (
    "A reference, a full name (accents, case and spacing ignored) or an ID number; names and "
    "numbers are compared by keyed hash, the whole name, not a part of it."
)
CURSOR_HELP = "Opaque: taken from the `Link` header of the previous page, never built by hand."
FINDINGS_HELP = "Only declarations with at least one finding (the `findings` count above 0)."
DUE_HELP = (
    "Only open declarations (awaiting_verification) whose visit deadline is at most this many "
    "days away (Vietnam calendar; today's and overdue ones included), soonest deadline first. "
    "With another `status` the page is empty."
)
MAX_DUE_DAYS = 366
QUEUE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "One page of the agency's declarations, oldest first.",
        "headers": {
            "X-Total-Count": {
                "description": "How many declarations match, over all pages.",
                "schema": {"type": "integer"},
            },
            "Link": {
                "description": 'RFC 8288: `<url>; rel="next"` while there is a next page.',
                "schema": {"type": "string"},
            },
        },
        "content": {"application/json": {"schema": {"type": "array", "items": {"type": "object"}}}},
    },
    422: {
        "description": "`limit` or `due_within` out of range, or a `cursor` this server did "
        "not hand out."
    },
}


class VerifyIn(BaseModel):
    note: str | None = Field(None, max_length=2000)
    # The clerk's explicit, audited decision to give an already active account a new password
    # (sent to the owner's registered phone); a plain verify of such a case is refused (409).
    reissue_password: bool = False


class RejectIn(BaseModel):
    reason: str | None = Field(None, max_length=2000)


ops = ops_router(lambda request: app_of(request).runtime)
router = APIRouter(tags=["review"])


async def detail(op: Op, case: Doc, deps: Deps) -> dict[str, Any]:
    found = await case_detail(case, deps=deps)
    return detail_view(
        case, found.sealed, found.same_id_number, op.agency_code, found.history, found.same_photos
    )


@router.get("/v1/review/queue", responses=QUEUE_RESPONSES)
async def queue(
    request: Request,
    op: Op,
    deps: DepsDep,
    status: str | None = None,
    q: Annotated[str | None, Query(max_length=200, description=Q_HELP)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size.")] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=400, description=CURSOR_HELP)] = None,
    with_findings: Annotated[bool, Query(description=FINDINGS_HELP)] = False,
    due_within: Annotated[int | None, Query(ge=0, le=MAX_DUE_DAYS, description=DUE_HELP)] = None,
) -> JSONResponse:
    after = decode_cursor(cursor) if cursor else None
    command = ListCases(op, status, q or "", limit, after, with_findings, due_within)
    page = await list_cases(command, deps=deps)
    headers = {"X-Total-Count": str(page.total)}
    if page.next_key is not None:
        following = request.url.include_query_params(cursor=encode_cursor(page.next_key))
        headers["Link"] = f'<{following}>; rel="next"'
    body = [summary_view(c) for c in page.items]
    return JSONResponse(jsonable_encoder(body), headers=headers)


@router.get("/v1/review/declarations/by-reference/{reference}")
async def by_reference(reference: str, op: Op, deps: DepsDep) -> dict[str, Any]:
    case = await find_case_by_reference(FindCase(op, reference), deps=deps)
    return await detail(op, case, deps)


@router.get("/v1/review/declarations/{case_id}")
async def one(case_id: str, op: Op, deps: DepsDep) -> dict[str, Any]:
    return await detail(op, await read_case(ReadCase(op, case_id), deps=deps), deps)


@router.get("/v1/review/declarations/{case_id}/images/{kind}")
async def image(case_id: str, kind: str, op: Op, deps: DepsDep) -> Response:
    data, content_type = await read_case_image(ReadCaseImage(op, case_id, kind), deps=deps)
    return Response(data, media_type=content_type, headers={"Cache-Control": "no-store"})


@router.post("/v1/review/declarations/{case_id}/verify")
async def verify(
    case_id: str, op: Op, deps: DepsDep, body: VerifyIn | None = None
) -> dict[str, Any]:
    note = body.note if body else None
    command = VerifyCase(op, case_id, note, reissue_password=bool(body and body.reissue_password))
    return summary_view(await verify_case(command, deps=deps))


@router.post("/v1/review/declarations/{case_id}/reject")
async def reject(case_id: str, body: RejectIn, op: Op, deps: DepsDep) -> dict[str, Any]:
    return summary_view(await reject_case(RejectCase(op, case_id, body.reason), deps=deps))


def create_app(settings: ReviewSettings | None = None, **overrides: Any) -> FastAPI:
    """The ASGI app; `overrides` go to `bootstrap` (tests give fakes there)."""
    settings = settings or ReviewSettings()
    log = configure_logging("review", settings.log_level)
    app = bootstrap(settings, **overrides)
    register_subscribers(app.runtime.broker, app.deps)
    api = FastAPI(
        title="VssID review",
        version="1",
        lifespan=service_lifespan(
            app.runtime,
            log,
            on_start=lambda: start(app),
            background=[("deadline-sweeper", lambda: sweep_forever(app, log))],
        ),
        description="Hồ sơ đăng ký giao dịch điện tử cho cán bộ cơ quan BHXH.",
    )
    api.state.review = app
    # Every review route takes small JSON (a note, a reason) or none.
    install_error_handlers(api, body_limit=lambda _: JSON_BODY_LIMIT)
    api.add_middleware(SecurityHeaders)
    gate = StreamGate()
    api.state.event_streams = gate
    metrics_http.install(api, settings.metrics_token_value())
    tracing.install(settings, service="review")
    for part in (ops, router, event_stream_router(gate), staff_router):
        api.include_router(part)
    api.include_router(asyncapi_router())
    api.include_router(page_router())
    return api


async def start(app: App) -> None:
    for step in app.on_start:
        await step()


async def sweep_forever(app: App, log: logging.Logger) -> None:
    await every(
        app.sweep.interval_seconds,
        lambda: sweep_and_reconcile(app.sweep, deps=app.deps),
        log,
        what="sweeper pass",
        first_now=True,
    )
