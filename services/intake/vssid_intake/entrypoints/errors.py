"""Intake's error answers: the shared installer plus intake's own field and image refusals."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.types import Scope

from vssid_intake.domain.errors import ImageRejected, InvalidFieldsError
from vssid_intake.entrypoints.schemas import ErrorOut
from vssid_intake.entrypoints.upload import FRAMING_ALLOWANCE
from vssid_shared.body_limit import JSON_BODY_LIMIT, LimitFor, header
from vssid_shared.http_errors import install_error_handlers as install_shared
from vssid_shared.http_problem import problem

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut} for status in (401, 404, 409, 413, 415, 422, 429, 503)
}


def body_limit(max_image_bytes: int) -> LimitFor:
    """Per-route body limits: a photo upload may carry one image plus multipart framing, a
    decode the same when it is a photo; every other route takes small JSON."""
    photo_limit = max_image_bytes + FRAMING_ALLOWANCE

    def limit_for(scope: Scope) -> int:
        path: str = scope.get("path", "")
        if scope.get("method") == "PUT" and "/images/" in path:
            return photo_limit
        if path == "/v1/qr/decode":
            content_type = header(scope, b"content-type") or ""
            return photo_limit if content_type.startswith("multipart/") else JSON_BODY_LIMIT
        return JSON_BODY_LIMIT

    return limit_for


def install_error_handlers(api: FastAPI, max_image_bytes: int) -> None:
    install_shared(api, body_limit=body_limit(max_image_bytes))

    @api.exception_handler(InvalidFieldsError)
    async def invalid_fields(_: Request, exc: InvalidFieldsError) -> JSONResponse:
        return problem(422, [e.as_dict() for e in exc.errors])

    @api.exception_handler(ImageRejected)
    async def image_rejected(_: Request, exc: ImageRejected) -> JSONResponse:
        item = {"loc": ["body", "file"], "code": exc.code, "message": exc.message}
        return problem(exc.status, [item])
