"""review's HTTP API for BHXH office staff (CONTRACT §4)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from vssid_review.adapters.operators import Operator
from vssid_review.bootstrap import App, build, start
from vssid_review.entrypoints.asyncapi import register_asyncapi
from vssid_review.entrypoints.events import register_event_stream
from vssid_review.entrypoints.page import register_page
from vssid_review.paging import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    decode_cursor,
    encode_cursor,
    search_hashes,
)
from vssid_review.settings import ReviewSettings
from vssid_review.staff.auth import StaffAuth
from vssid_review.staff.routes import register_staff_routes
from vssid_review.views import detail_view, summary_view
from vssid_shared import metrics_http, tracing
from vssid_shared.body_limit import JSON_BODY_LIMIT
from vssid_shared.clock import utc_now
from vssid_shared.headers import SecurityHeaders
from vssid_shared.http_errors import install_error_handlers, ready_answer
from vssid_shared.logs import announce_ready, configure_logging
from vssid_shared.tasks import stop_task

Q_HELP = (
    "A reference, a full name (accents, case and spacing ignored) or an ID number; names and "
    "numbers are compared by keyed hash, the whole name, not a part of it."
)
CURSOR_HELP = "Opaque: taken from the `Link` header of the previous page, never built by hand."
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
    422: {"description": "`limit` out of range or a `cursor` this server did not hand out."},
}


class VerifyIn(BaseModel):
    note: str | None = Field(None, max_length=2000)
    # The clerk's explicit, audited decision to give an already active account a new password
    # (sent to the owner's registered phone); a plain verify of such a case is refused (409).
    reissue_password: bool = False


class RejectIn(BaseModel):
    reason: str | None = Field(None, max_length=2000)


def create_app(settings: ReviewSettings | None = None) -> FastAPI:
    settings = settings or ReviewSettings()
    log = configure_logging("review", settings.log_level)
    state = build(settings)
    staff = StaffAuth.build(state.operators, state.runtime.keys, settings, utc_now)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await start(state)
        await staff.ensure_indexes()
        sweeping = state.sweeper.start()
        announce_ready(log)
        yield
        await stop_task(sweeping)
        await state.runtime.stop()

    api = FastAPI(
        title="VssID review",
        version="1",
        lifespan=lifespan,
        description="Hồ sơ đăng ký giao dịch điện tử cho cán bộ cơ quan BHXH.",
    )

    # Every review route takes small JSON (a note, a reason) or none.
    install_error_handlers(api, body_limit=lambda _: JSON_BODY_LIMIT)
    api.add_middleware(SecurityHeaders)
    metrics_http.install(api, settings.metrics_token_value())
    tracing.install(settings, service="review")
    register_routes(api, state, staff)
    api.state.event_streams = register_event_stream(api, state, operator_dependency(state, staff))
    register_staff_routes(api, staff)
    register_asyncapi(api)
    register_page(api)
    return api


def operator_dependency(state: App, staff: StaffAuth) -> Any:
    async def current_operator(
        request: Request, authorization: Annotated[str | None, Header()] = None
    ) -> Operator:
        return await staff.operator_of(request, authorization)

    return current_operator


def register_routes(api: FastAPI, state: App, staff: StaffAuth) -> None:
    review = state.review
    Op = Annotated[Operator, Depends(operator_dependency(state, staff))]  # noqa: N806 - a type alias

    @api.get("/health", tags=["ops"])
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @api.get("/ready", tags=["ops"])
    async def ready() -> JSONResponse:
        return await ready_answer(state.runtime)

    async def detail(op: Operator, case: dict[str, Any]) -> dict[str, Any]:
        sealed = review.open_sealed(case)
        dups = []
        if case.get("id_number_hash"):
            dups = await review.cases.others_with_id_number(case["id_number_hash"], case["_id"])
        photos = []
        if case.get("image_sha256"):
            photos = await review.cases.others_with_images(case["image_sha256"], case["_id"])
        history = await review.cases.history(case["_id"])
        return detail_view(case, sealed, dups, op.agency_code, history, photos)

    @api.get("/v1/review/queue", tags=["review"], responses=QUEUE_RESPONSES)
    async def queue(
        request: Request,
        op: Op,
        status: str | None = None,
        q: Annotated[str | None, Query(max_length=200, description=Q_HELP)] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size.")] = DEFAULT_LIMIT,
        cursor: Annotated[str | None, Query(max_length=400, description=CURSOR_HELP)] = None,
    ) -> JSONResponse:
        after = decode_cursor(cursor) if cursor else None
        text = (q or "").strip()
        if text:
            page = await review.cases.search(
                op.agency_code,
                status,
                reference=text.upper(),
                hashes=search_hashes(review.keys, text),
                limit=limit,
                after=after,
            )
        else:
            page = await review.cases.queue(op.agency_code, status, limit=limit, after=after)
        headers = {"X-Total-Count": str(page.total)}
        if page.next_key is not None:
            following = request.url.include_query_params(cursor=encode_cursor(page.next_key))
            headers["Link"] = f'<{following}>; rel="next"'
        body = [summary_view(c) for c in page.items]
        return JSONResponse(jsonable_encoder(body), headers=headers)

    @api.get("/v1/review/declarations/by-reference/{reference}", tags=["review"])
    async def by_reference(reference: str, op: Op) -> dict[str, Any]:
        return await detail(op, await review.find_by_reference(op, reference))

    @api.get("/v1/review/declarations/{case_id}", tags=["review"])
    async def one(case_id: str, op: Op) -> dict[str, Any]:
        return await detail(op, await review.load(op, case_id))

    @api.get("/v1/review/declarations/{case_id}/images/{kind}", tags=["review"])
    async def image(case_id: str, kind: str, op: Op) -> Response:
        data, content_type = await review.image(op, case_id, kind)
        return Response(data, media_type=content_type, headers={"Cache-Control": "no-store"})

    @api.post("/v1/review/declarations/{case_id}/verify", tags=["review"])
    async def verify(case_id: str, op: Op, body: VerifyIn | None = None) -> dict[str, Any]:
        case = await review.verify(
            op,
            case_id,
            body.note if body else None,
            reissue_password=bool(body and body.reissue_password),
        )
        return summary_view(case)

    @api.post("/v1/review/declarations/{case_id}/reject", tags=["review"])
    async def reject(case_id: str, body: RejectIn, op: Op) -> dict[str, Any]:
        return summary_view(await review.reject(op, case_id, body.reason))
