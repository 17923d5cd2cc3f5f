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


class AssetNotFoundError(CaseError):
    status = 404
    code = "not_found"
    message = "Không tìm thấy tệp."
