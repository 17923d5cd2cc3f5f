"""Vietnamese (NFC) messages for every validation code, so wording stays consistent."""

from __future__ import annotations

import unicodedata

from vssid_intake.domain.errors import FieldError, Loc, Severity

# Labels name a field inside a sentence ("Vui lòng nhập họ và tên.").
LABELS: dict[str, str] = {
    "full_name": "họ và tên",
    "social_insurance_number": "mã số BHXH",
    "date_of_birth": "ngày sinh",
    "gender": "giới tính",
    "nationality": "quốc tịch",
    "id_document": "giấy tờ tùy thân",
    "type": "loại giấy tờ tùy thân",
    "number": "số giấy tờ tùy thân",
    "issued_on": "ngày cấp giấy tờ tùy thân",
    "issued_by": "nơi cấp giấy tờ tùy thân",
    "address": "địa chỉ",
    "phone": "số điện thoại di động",
    "email": "địa chỉ email",
    "agency_code": "cơ quan BHXH tiếp nhận",
    "send_email_copy": "lựa chọn gửi bản sao tờ khai qua email",
    "portrait": "ảnh chân dung",
    "id_front": "ảnh mặt trước giấy tờ tùy thân",
    "id_back": "ảnh mặt sau giấy tờ tùy thân",
}

TEMPLATES: dict[str, str] = {
    "missing": "Vui lòng cung cấp {label}.",
    "missing_image": "Vui lòng tải lên {label}.",
    "email_required": "Vui lòng nhập địa chỉ email để nhận bản sao tờ khai.",
    "unknown_field": "Trường «{name}» không có trong tờ khai.",
    "invalid_type": "Giá trị của {label} phải là {expected}.",
    "invalid_text": "{label} chứa ký tự không hợp lệ (ký tự điều khiển hoặc ký tự ẩn).",
    "too_long": "{label} quá dài: tối đa {max} ký tự.",
    "invalid_name": "Họ và tên chỉ gồm chữ cái, khoảng trắng và các dấu ' - .",
    "invalid_sin": "Mã số BHXH phải gồm đúng 10 chữ số.",
    "invalid_date": "Ngày không hợp lệ: hãy dùng định dạng YYYY-MM-DD, ví dụ 1990-03-15.",
    "date_in_future": "Ngày này không được ở tương lai.",
    "implausible_age": "Ngày sinh không hợp lý: tuổi phải từ 0 đến 120.",
    "issued_before_birth": "Ngày cấp giấy tờ phải sau ngày sinh.",
    "invalid_gender": 'Giới tính phải là "male" (nam) hoặc "female" (nữ).',
    "invalid_nationality": "Quốc tịch phải là mã quốc gia ISO gồm 2 chữ cái, ví dụ VN.",
    "invalid_email": "Địa chỉ email không hợp lệ.",
    "invalid_phone": "Số điện thoại di động Việt Nam không hợp lệ (ví dụ 0905 123 456).",
    "invalid_id_type": "Loại giấy tờ tùy thân phải là cccd, cmnd hoặc passport.",
    "invalid_id_number": "{detail}",
    "invalid_agency_code": "Mã cơ quan BHXH phải gồm đúng 4 chữ số.",
    "unknown_agency": (
        "Cơ quan BHXH {agency} không có trong danh sách hoặc không còn tiếp nhận hồ sơ."
    ),
    "cccd_mismatch_gender": (
        "Số CCCD không khớp với giới tính: chữ số thứ 4 là {digit}, dành cho {sex}."
    ),
    "cccd_mismatch_birth_year": (
        "Số CCCD không khớp với năm sinh {year}: chữ số thứ 4 đến 6 ({digits}) "
        "ứng với năm sinh {encoded}."
    ),
}

ID_NUMBER_DETAILS: dict[str, str] = {
    "cccd": "Số CCCD phải gồm đúng 12 chữ số.",
    "cmnd": "Số CMND phải gồm 9 hoặc 12 chữ số.",
    "passport_vn": "Số hộ chiếu Việt Nam gồm 1 chữ cái và 7 chữ số, ví dụ C1234567.",
    "passport": "Số hộ chiếu phải gồm 6 đến 9 chữ cái hoặc chữ số.",
    "any": "Số giấy tờ tùy thân chỉ gồm chữ cái và chữ số (6 đến 12 ký tự).",
}

EXPECTED: dict[str, str] = {
    "str": "chuỗi ký tự",
    "bool": "true hoặc false",
    "object": "một đối tượng JSON",
    "date": "một ngày dạng YYYY-MM-DD",
}


def label(name: str) -> str:
    """The Vietnamese label of a field (falls back to the field name)."""
    return LABELS.get(name, name)


def message(code: str, **values: object) -> str:
    """The message for `code`, filled with `values`, in NFC even when a value was not."""
    text = unicodedata.normalize("NFC", TEMPLATES[code].format(**values))
    return text[:1].upper() + text[1:]


def error(loc: Loc, code: str, /, **values: object) -> FieldError:
    """A blocking FieldError whose message comes from the templates."""
    return _build(loc, code, "error", values)


def _build(loc: Loc, code: str, severity: Severity, values: dict[str, object]) -> FieldError:
    # The label defaults to the innermost named part of loc ("number" in body.id_document.number).
    name = next((part for part in reversed(loc) if isinstance(part, str)), "")
    values.setdefault("label", label(name))
    return FieldError(loc=loc, code=code, message=message(code, **values), severity=severity)
