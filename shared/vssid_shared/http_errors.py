"""One installer of error handling for every HTTP service: any failure answers in the error
shape of CONTRACT §3 with a Vietnamese message — 4xx for bad input, 503 + Retry-After while a
dependency is down, and a last-resort 500 that logs no personal data — never a plain-text 500.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vssid_shared.api_errors import ApiError
from vssid_shared.body_limit import BodyLimitMiddleware, BodyTooLargeError, LimitFor
from vssid_shared.http_problem import item, problem, problem_bytes
from vssid_shared.outage import (
    MONGO_DOWN,
    NATS_DOWN,
    RETRY_AFTER_SECONDS,
    UNAVAILABLE_CODE,
    UNAVAILABLE_MESSAGE,
    DependencyDownError,
    ready_body,
)
from vssid_shared.runtime import Runtime

log = logging.getLogger("vssid.http")

PYDANTIC_MESSAGES = {
    "missing": "Thiếu thông tin bắt buộc.",
    "literal_error": "Giá trị không thuộc danh sách cho phép.",
    "string_type": "Phải là chuỗi ký tự.",
    "bool_type": "Phải là true hoặc false.",
    "string_too_long": "Chuỗi quá dài.",
    "model_type": "Phải là một đối tượng JSON.",
    "json_invalid": "Nội dung JSON không hợp lệ.",
}
HTTP_MESSAGES = {
    404: "Không tìm thấy.",
    405: "Phương thức không được hỗ trợ.",
}
TOO_DEEP_MESSAGE = "Nội dung JSON lồng nhau quá sâu."
BAD_TEXT_MESSAGE = "Văn bản chứa ký tự không hợp lệ (không phải Unicode chuẩn)."
INTERNAL_MESSAGE = "Đã có lỗi hệ thống; vui lòng thử lại sau."


def validation_items(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [
        item(
            str(err.get("type", "invalid")),
            PYDANTIC_MESSAGES.get(str(err.get("type")), "Giá trị không hợp lệ."),
            list(err.get("loc", [])),
        )
        for err in exc.errors()
    ]


def unavailable() -> JSONResponse:
    return problem(
        503,
        [item(UNAVAILABLE_CODE, UNAVAILABLE_MESSAGE)],
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


async def ready_answer(runtime: Runtime) -> JSONResponse:
    """/ready: 200 with each dependency "ok", else 503 + Retry-After naming the one down."""
    body: dict[str, Any] = ready_body(await runtime.checks())
    if body["ready"]:
        return JSONResponse(body)
    down = ", ".join(k for k, v in body.items() if v == "down")
    body["detail"] = [item(UNAVAILABLE_CODE, f"{UNAVAILABLE_MESSAGE} (không kết nối được: {down})")]
    return JSONResponse(body, status_code=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def install_error_handlers(api: FastAPI, *, body_limit: LimitFor) -> None:
    """Handlers for every failure a request can meet, and the two middlewares: the body limit
    (413 before a body is read whole) and the last resort (a 500 in the error shape)."""

    @api.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers())

    @api.exception_handler(RequestValidationError)
    async def validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return problem(422, validation_items(exc))

    @api.exception_handler(BodyTooLargeError)
    async def too_large(_: Request, exc: BodyTooLargeError) -> JSONResponse:
        return problem(413, [item("body_too_large", str(exc.detail))], {"Connection": "close"})

    @api.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
        message = HTTP_MESSAGES.get(exc.status_code, "Yêu cầu không hợp lệ.")
        return problem(exc.status_code, [item(f"http_{exc.status_code}", message)])

    @api.exception_handler(json.JSONDecodeError)
    async def bad_json(_: Request, __: Exception) -> JSONResponse:
        return problem(422, [item("json_invalid", PYDANTIC_MESSAGES["json_invalid"], ["body"])])

    @api.exception_handler(RecursionError)
    async def too_deep(_: Request, __: Exception) -> JSONResponse:
        return problem(422, [item("json_too_deep", TOO_DEEP_MESSAGE, ["body"])])

    @api.exception_handler(UnicodeError)
    async def bad_text(_: Request, __: Exception) -> JSONResponse:
        # A lone surrogate ("\ud800") is valid JSON but no text: it cannot be stored or sent.
        return problem(422, [item("invalid_text", BAD_TEXT_MESSAGE, ["body"])])

    async def dependency_down(request: Request, exc: Exception) -> JSONResponse:
        log.warning("dependency down: %s on %s", type(exc).__name__, route_of(request.scope))
        return unavailable()

    for down in (*MONGO_DOWN, *NATS_DOWN, DependencyDownError):
        api.add_exception_handler(down, dependency_down)

    # Starlette wraps user middleware inside its error middleware: added last = outermost.
    api.add_middleware(BodyLimitMiddleware, limit_for=body_limit)
    api.add_middleware(LastResortMiddleware)


def route_of(scope: Scope) -> str:
    """The route's template (`/v1/declarations/{declaration_id}`): never a value from the URL."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return f"{scope.get('method', '')} {path or '(no route)'}"


class LastResortMiddleware:
    """Whatever escaped every handler becomes a 500 in the error shape. The log line names the
    exception type and route template only: messages and tracebacks of data errors can carry
    personal data (a duplicate key's value, a field's text)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            where = exc.__traceback__
            while where is not None and where.tb_next is not None:
                where = where.tb_next
            origin = f"{where.tb_frame.f_code.co_filename}:{where.tb_lineno}" if where else "?"
            log.error("unhandled %s on %s at %s", type(exc).__name__, route_of(scope), origin)
            if started:
                raise  # too late for an answer of our own: let the server drop the connection
            body = problem_bytes("internal_error", INTERNAL_MESSAGE)
            await send(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
