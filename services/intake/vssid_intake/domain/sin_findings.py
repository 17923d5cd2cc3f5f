"""What the clerk must know about the social-insurance number a declaration types.

Against account takeover by re-registering (issue 10): a stranger may type someone else's
number with their own name and ID card. At submit intake compares the number with the
registry (accent-free name key and birth date) and looks for an active account; both travel to
review with the `submitted` event (through ocr_qr's `scanned`), where the case shows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vssid_shared.text import name_key

REGISTRY_MISMATCH = {
    "code": "sin_registry_mismatch",
    "severity": "error",
    "message": "Mã số BHXH trong tờ khai thuộc về một người khác trong cơ sở dữ liệu BHXH "
    "(họ tên hoặc ngày sinh không khớp). Không xác minh nếu người nộp không phải chủ mã số.",
    "image": None,
}
REGISTRY_UNKNOWN = {
    "code": "sin_not_in_registry",
    "severity": "warning",
    "message": "Không tìm thấy mã số BHXH trong tờ khai trong cơ sở dữ liệu người tham gia "
    "BHXH; cần đối chiếu sổ BHXH hoặc thẻ BHYT của người nộp.",
    "image": None,
}


def mask_phone(phone: str | None) -> str | None:
    """`+84901234567` or `0901234567` → `090****567`: enough for the clerk to ask "is this
    your number?" (phones are stored in E.164; clerks read the national form)."""
    if not phone:
        return None
    digits = phone.strip()
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 6)}{digits[-3:]}"


def account_active_finding(since: str | None, phone_masked: str | None) -> dict[str, Any]:
    when = f" từ {since[:10]}" if since else ""
    where = f" (điện thoại đã đăng ký {phone_masked})" if phone_masked else ""
    return {
        "code": "account_already_active",
        "severity": "error",
        "message": f"Mã số BHXH này đã có tài khoản VssID đang hoạt động{when}{where}. Không "
        "được xác minh thường; chỉ khi chính chủ tài khoản đến trực tiếp mới chọn «Cấp lại "
        "mật khẩu»: mật khẩu mới được gửi đến điện thoại đã đăng ký của chủ tài khoản.",
        "image": None,
    }


@dataclass(frozen=True)
class Owner:
    """The registered contact of an active account: from the declaration that created it."""

    declaration_id: str
    phone: str | None
    email: str | None
    full_name: str | None


def person_material(full_name: str, date_of_birth: str) -> str:
    """What is compared (as a keyed hash) to tell whether the registry's person is the typed
    one: the accent-free name key and the birth date."""
    return f"person:{name_key(full_name)}|{date_of_birth}"
