"""One receiving BHXH agency as data, validated the same way from JSON and from CSV."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from vssid_intake.domain.dates import parse_iso_date
from vssid_intake.domain.errors import AgencyDataError
from vssid_intake.domain.text import clean_text, has_forbidden_chars

AGENCY_COLUMNS: tuple[str, ...] = (
    "code",
    "name",
    "province_code",
    "phone",
    "address",
    "parent_code",
    "valid_from",
    "valid_to",
)
_CODE = re.compile(r"\d{4}", re.ASCII)
_PROVINCE = re.compile(r"\d{2}", re.ASCII)
# Office phones are shown as published ("0236.3721163"), so only the alphabet is checked.
_PHONE = re.compile(r"[0-9 .()+\-]{9,20}", re.ASCII)


@dataclass(frozen=True)
class Agency:
    """A receiving agency; `valid_from`/`valid_to` are inclusive, None meaning open-ended.

    `note` records how sure we are of the data (DOMAIN §7 confirms only 4802).
    """

    code: str
    name: str
    province_code: str
    phone: str = ""
    address: str = ""
    parent_code: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    note: str = ""

    def is_active(self, today: date) -> bool:
        """Whether the agency receives declarations on `today`."""
        started = self.valid_from is None or self.valid_from <= today
        return started and (self.valid_to is None or today <= self.valid_to)

    def public(self) -> dict[str, str]:
        """The shape `GET /v1/agencies` answers with (CONTRACT §3)."""
        return {
            "code": self.code,
            "name": self.name,
            "province_code": self.province_code,
            "phone": self.phone,
            "address": self.address,
        }

    def to_record(self) -> dict[str, object]:
        """A JSON-ready record that `agency_from_record` reads back unchanged."""
        record: dict[str, object] = {**self.public(), "parent_code": self.parent_code}
        record["valid_from"] = self.valid_from.isoformat() if self.valid_from else None
        record["valid_to"] = self.valid_to.isoformat() if self.valid_to else None
        record["note"] = self.note
        return record


def _text(record: Mapping[str, object], key: str) -> str:
    value = record.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise AgencyDataError(f"cột {key}: phải là chuỗi ký tự")
    cleaned = clean_text(value)
    if has_forbidden_chars(cleaned):
        raise AgencyDataError(f"cột {key}: có ký tự không hợp lệ")
    return cleaned


def _matching(record: Mapping[str, object], key: str, pattern: re.Pattern[str], rule: str) -> str:
    value = _text(record, key)
    if value and not pattern.fullmatch(value):
        raise AgencyDataError(f"cột {key}: «{value}» không hợp lệ ({rule})")
    return value


def _date(record: Mapping[str, object], key: str) -> date | None:
    value = _text(record, key)
    parsed = parse_iso_date(value) if value else None
    if value and parsed is None:
        raise AgencyDataError(f"cột {key}: «{value}» không phải ngày dạng YYYY-MM-DD")
    return parsed


def agency_from_record(record: Mapping[str, object]) -> Agency:
    """Validate one record (a JSON object or a CSV row); raises AgencyDataError."""
    code = _matching(record, "code", _CODE, "cần 4 chữ số")
    name = _text(record, "name")
    province = _matching(record, "province_code", _PROVINCE, "cần 2 chữ số")
    parent = _matching(record, "parent_code", _CODE, "cần 4 chữ số")
    required = {"code": code, "name": name, "province_code": province}
    missing = [key for key, value in required.items() if not value]
    if missing:
        raise AgencyDataError("thiếu " + ", ".join(missing))
    if parent == code:
        raise AgencyDataError("cột parent_code: một cơ quan không thể là cấp trên của chính nó")
    agency = Agency(
        code=code,
        name=name,
        province_code=province,
        phone=_matching(record, "phone", _PHONE, "chỉ gồm chữ số và . - ( ) +"),
        address=_text(record, "address"),
        parent_code=parent or None,
        valid_from=_date(record, "valid_from"),
        valid_to=_date(record, "valid_to"),
        note=_text(record, "note"),
    )
    if agency.valid_from and agency.valid_to and agency.valid_to < agency.valid_from:
        raise AgencyDataError("valid_to phải từ valid_from trở đi")
    return agency
