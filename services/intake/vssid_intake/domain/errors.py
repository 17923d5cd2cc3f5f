"""Every error intake's rules and use cases raise, in one place; messages in Vietnamese (NFC).

`FieldError` is a validation outcome (one problem with one field). The exceptions carry the HTTP
status, machine code and message CONTRACT §3 answers with; adapters raise these too (never a
driver's exception), so the use cases and the API see one vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from vssid_shared.api_errors import ApiError

Loc = tuple[str | int, ...]
Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class FieldError:
    """One problem with one field; `message` is Vietnamese (NFC) and shown to the applicant."""

    loc: Loc
    code: str
    message: str
    severity: Severity = "error"

    def as_dict(self) -> dict[str, object]:
        """The JSON shape of CONTRACT §3 (`severity` only when it is not an error)."""
        out: dict[str, object] = {"loc": list(self.loc), "code": self.code, "message": self.message}
        if self.severity != "error":
            out["severity"] = self.severity
        return out


class ImageRejected(Exception):  # noqa: N818 (the name other services import)
    """An upload that cannot be stored; `status` is the HTTP status the API should answer."""

    def __init__(self, status: Literal[413, 415, 422], code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"ImageRejected({self.status}, {self.code!r}, {self.message!r})"


class IntakeError(ApiError):
    """Intake's use-case errors."""


# --- declarations -----------------------------------------------------------------------------


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


class ReferenceTakenError(Exception):
    """The drawn reference is already another declaration's (raised by the repository)."""


class UnauthorizedError(IntakeError):
    status = 401
    code = "unauthorized"
    message = "Thiếu mã truy cập (Authorization: Bearer ...)."


# --- accounts ---------------------------------------------------------------------------------


class LoginFailedError(IntakeError):
    status = 401
    code = "invalid_credentials"
    message = "Tài khoản hoặc mật khẩu không đúng, hoặc tài khoản chưa được kích hoạt."


class SessionExpiredError(IntakeError):
    status = 401
    code = "session_expired"
    message = "Phiên đăng nhập đã hết hạn hoặc đã bị thu hồi. Vui lòng đăng nhập lại."


class WeakPasswordError(IntakeError):
    status = 422
    code = "weak_password"


class TooManyLoginsError(IntakeError):
    status = 429
    code = "too_many_attempts"
    message = "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau ít phút."

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class HashingBusyError(IntakeError):
    status = 503
    code = "login_busy"
    message = "Hệ thống đang bận xử lý đăng nhập. Vui lòng thử lại sau giây lát."

    def headers(self) -> dict[str, str]:
        return {"Retry-After": "2"}


class CaseNotOpenedError(Exception):
    """`verified` for a declaration intake has not yet seen opened for review: retried."""


# --- autofill ---------------------------------------------------------------------------------


class QrDecodeError(IntakeError):
    status = 422
    code = "qr_not_found"

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class DecoderUnavailableError(IntakeError):
    status = 503
    code = "decoder_unavailable"
    message = "Dịch vụ đọc mã QR đang bận, vui lòng thử lại."


class TooManyRequestsError(IntakeError):
    status = 429
    code = "rate_limited"
    message = "Bạn tra cứu quá nhiều lần. Vui lòng thử lại sau một phút."

    def headers(self) -> dict[str, str]:
        return {"Retry-After": "60"}  # CONTRACT §4a: every 429 says when to come back


class DecodeRateLimitedError(IntakeError):
    status = 429
    code = "rate_limited"
    message = "Bạn gửi quá nhiều yêu cầu đọc mã QR. Vui lòng thử lại sau một phút."
    retry_after = 60

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class DecodeBusyError(DecodeRateLimitedError):
    message = "Yêu cầu đọc mã QR trước của bạn chưa xong. Vui lòng đợi rồi thử lại."
    retry_after = 2


MAX_PAYLOAD_CHARS = 4096  # a QR code holds at most 2953 bytes; room for escapes


class PayloadTooLongError(IntakeError):
    status = 422
    code = "payload_too_long"
    message = f"Nội dung mã QR dài quá {MAX_PAYLOAD_CHARS} ký tự."


# How a closed declaration is named when it may no longer be withdrawn.
CLOSED_LABEL = {
    "verified": "đã được xác minh",
    "rejected": "đã bị từ chối",
    "expired": "đã hết hạn",
}


class NotDeletableError(IntakeError):
    """Verified, rejected or expired: the office holds the case now, and answers for it."""

    status = 409
    code = "not_deletable"
    message = "Hồ sơ đã được xử lý, không thể xóa tại đây."

    def __init__(self, status: str, office: dict[str, Any]) -> None:
        name = office.get("name") or f"BHXH {office.get('code', '')}".strip()
        contact = ", ".join(
            part
            for part in (
                f"điện thoại {office['phone']}" if office.get("phone") else "",
                f"địa chỉ {office['address']}" if office.get("address") else "",
            )
            if part
        )
        super().__init__(
            f"Hồ sơ {CLOSED_LABEL.get(status, status)}, không thể xóa hoặc rút lại trên ứng "
            f"dụng. Để yêu cầu xem, sửa hoặc xóa dữ liệu cá nhân, vui lòng liên hệ {name}"
            + (f" ({contact})" if contact else "")
            + "."
        )


# --- rules (field normalisers, agency data) ------------------------------------------------------


class InvalidValueError(Exception):
    """Raised by a field normaliser: `code` selects the message, `values` fill it in."""

    def __init__(self, code: str, **values: object) -> None:
        super().__init__(code)
        self.code = code
        self.values = values


class AgencyDataError(ValueError):
    """A record that cannot become an Agency; the message is Vietnamese, for the operator."""
