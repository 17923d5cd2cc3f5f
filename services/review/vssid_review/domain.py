"""Case rules: the status machine and the visit deadline (Vietnam calendar days)."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

from vssid_shared.api_errors import ApiError


class CaseStatus(StrEnum):
    AWAITING_VERIFICATION = "awaiting_verification"
    VERIFIED = "verified"
    REJECTED = "rejected"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"  # by the applicant (CONTRACT §4), never by staff


# Only an open case can be decided; a second decision is a conflict, never a silent overwrite.
DECIDABLE = (CaseStatus.AWAITING_VERIFICATION,)


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


def visit_deadline(opened_on: date, window_days: int) -> date:
    """The last day (inclusive) the applicant may come to the office."""
    return opened_on + timedelta(days=window_days)
