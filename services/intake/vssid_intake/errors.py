"""Use-case errors the API maps to HTTP answers; messages in Vietnamese."""

from __future__ import annotations

from vssid_intake.domain.errors import FieldError
from vssid_shared.api_errors import ApiError


class IntakeError(ApiError):
    """Intake's use-case errors."""


class NotFoundError(IntakeError):
    status = 404
    code = "not_found"
    message = "Không tìm thấy tờ khai."


class ConflictError(IntakeError):
    status = 409
    code = "conflict"
    message = "Tờ khai đã được gửi, không thể sửa hoặc gửi lại."


class InvalidFieldsError(IntakeError):
    status = 422
    code = "invalid"

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("Tờ khai có thông tin thiếu hoặc không hợp lệ.")
        self.errors = errors
