"""One error shape for every answer: {"detail": [{"loc", "code", "message"}]}, in Vietnamese."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from vssid_intake.domain.errors import ImageRejected
from vssid_intake.entrypoints.schemas import ErrorOut
from vssid_intake.errors import IntakeError, InvalidFieldsError

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut} for status in (401, 404, 409, 413, 415, 422, 429)
}
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


def problem(
    status: int, items: list[dict[str, Any]], headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"detail": items}, status_code=status, headers=headers)


def install_error_handlers(api: FastAPI) -> None:
    @api.exception_handler(InvalidFieldsError)
    async def invalid_fields(_: Request, exc: InvalidFieldsError) -> JSONResponse:
        return problem(422, [e.as_dict() for e in exc.errors])

    @api.exception_handler(IntakeError)
    async def intake_error(_: Request, exc: IntakeError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers())

    @api.exception_handler(ImageRejected)
    async def image_rejected(_: Request, exc: ImageRejected) -> JSONResponse:
        item = {"loc": ["body", "file"], "code": exc.code, "message": exc.message}
        return problem(exc.status, [item])

    @api.exception_handler(RequestValidationError)
    async def validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        items = [
            {
                "loc": list(err.get("loc", [])),
                "code": str(err.get("type", "invalid")),
                "message": PYDANTIC_MESSAGES.get(str(err.get("type")), "Giá trị không hợp lệ."),
            }
            for err in exc.errors()
        ]
        return problem(422, items)

    @api.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
        message = HTTP_MESSAGES.get(exc.status_code, "Yêu cầu không hợp lệ.")
        item = {"loc": [], "code": f"http_{exc.status_code}", "message": message}
        return problem(exc.status_code, [item])
