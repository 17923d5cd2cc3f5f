"""The API error contract: {"detail": [{"loc", "code", "message"}]}, messages in Vietnamese."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A use-case error with the HTTP status, machine code and Vietnamese message to answer."""

    status = 400
    code = "bad_request"
    message = "Yêu cầu không hợp lệ."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)
        if message:
            self.message = message

    def body(self) -> dict[str, Any]:
        return {"detail": [{"loc": [], "code": self.code, "message": self.message}]}

    def headers(self) -> dict[str, str] | None:
        return {"WWW-Authenticate": "Bearer"} if self.status == 401 else None
