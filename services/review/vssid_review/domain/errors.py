"""Every error review's rules and use cases raise, in one place; messages in Vietnamese (NFC)."""

from __future__ import annotations

from vssid_shared.api_errors import ApiError


class CaseError(ApiError):
    """review's use-case errors."""


class CaseNotFoundError(CaseError):
    status = 404
    code = "not_found"
    message = "Không tìm thấy hồ sơ."


class CaseConflictError(CaseError):
    status = 409
    code = "conflict"
    message = "Hồ sơ không ở trạng thái chờ xác minh."


class AccountActiveError(CaseError):
    status = 409
    code = "account_active"
    message = (
        "Mã số BHXH của hồ sơ này đã có tài khoản VssID đang hoạt động: không thể xác minh "
        "thường vì sẽ thay mật khẩu của chủ tài khoản. Nếu chính chủ tài khoản đến trực tiếp, "
        "chọn «Cấp lại mật khẩu» (mật khẩu mới gửi đến điện thoại đã đăng ký của chủ tài "
        "khoản); nếu không, từ chối hồ sơ."
    )


class ImagesPurgedError(CaseError):
    status = 410
    code = "images_purged"
    message = "Ảnh của hồ sơ đã được xoá khi hết thời hạn lưu trữ."


class ReasonRequiredError(CaseError):
    status = 422
    code = "reason_required"
    message = "Cần nhập lý do từ chối."


class BadCursorError(CaseError):
    status = 422
    code = "invalid_cursor"
    message = "Con trỏ trang không hợp lệ; hãy tải lại danh sách từ trang đầu."


class UnauthorizedError(CaseError):
    status = 401
    code = "unauthorized"
    message = "Thiếu hoặc sai mã truy cập của cán bộ."


class CsrfError(CaseError):
    status = 403
    code = "csrf_failed"
    message = "Phiên làm việc không hợp lệ cho thao tác này. Vui lòng tải lại trang."


class SignInFailedError(CaseError):
    status = 401
    code = "signin_failed"
    # One message for every wrong part: it tells nobody which logins exist.
    message = "Tên đăng nhập, mật khẩu hoặc mã xác thực không đúng."


class TooManySignInsError(CaseError):
    status = 429
    code = "too_many_attempts"
    message = "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau ít phút."

    def __init__(self, retry_after: int) -> None:
        super().__init__()
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class LoginTakenError(CaseError):
    """An enrolment's chosen staff login belongs to another operator already."""

    status = 409
    code = "login_taken"
    message = "Tên đăng nhập đã có; chọn tên khác."


class UnknownWorkerError(CaseError):
    status = 404
    code = "not_found"
    message = "Không có tài liệu AsyncAPI cho dịch vụ này (no such worker)."
