"""Parser for the QR payload of a BHYT health-insurance card, all generations (DOMAIN.md §3)."""

import re
from dataclasses import asdict, dataclass
from typing import TypedDict

from vssid_ocr_qr.domain.errors import PayloadError
from vssid_ocr_qr.domain.payloads.common import Gender, hex_text, slash_date
from vssid_shared.text import nfc

# Fields 0-8 appear on every card seen (2017, 2019, 2023); later ones form an optional tail.
BHYT_REQUIRED_FIELDS = 9
CARD_CODE = re.compile(r"(?P<group>[A-Z]{2})(?P<level>[1-5])(?P<province>\d{2})(?P<sin>\d{10})")
SOCIAL_INSURANCE_NUMBER = re.compile(r"\d{10}")
_YEAR = re.compile(r"\d{4}")
_AGENCY_AND_SIN = re.compile(r"\d{14}")
_FACILITY = re.compile(r"(\w+)\s*-\s*(\w+)")
_GENDERS: dict[str, Gender] = {"1": "male", "2": "female"}


@dataclass(frozen=True, slots=True)
class BhytCard:
    """What a BHYT QR carries; `None` where the card has `-` or lacks the field.

    `date_of_birth` is ISO, or just the year ("1958") when the card prints only a year.
    `check_string` (field 13) is kept opaque: its algorithm is unknown, so it is never checked.
    Fields 11 (`area_code`) and 14 (`field_14`) are kept verbatim: their meaning is unconfirmed.
    """

    card_number: str
    social_insurance_number: str
    full_name: str
    date_of_birth: str
    gender: Gender
    address: str | None
    kcb_facility: str | None
    valid_from: str | None
    valid_to: str | None
    issued_on: str | None
    group_code: str | None = None
    benefit_level: str | None = None
    province_code: str | None = None
    agency_code: str | None = None
    guardian_name: str | None = None
    area_code: str | None = None
    five_years_from: str | None = None
    check_string: str | None = None
    field_14: str | None = None
    issuing_place: str | None = None

    def fields(self) -> dict[str, str | None]:
        """Return the fields under the names of CONTRACT.md §3."""
        return asdict(self)


class _Tail(TypedDict):
    agency_code: str | None
    guardian_name: str | None
    area_code: str | None
    five_years_from: str | None
    check_string: str | None
    field_14: str | None
    issuing_place: str | None


def _at(parts: list[str], index: int) -> str | None:
    """Return field `index` stripped, or None when absent, empty or `-`."""
    if index >= len(parts):
        return None
    value = parts[index].strip()
    return None if value in ("", "-") else value


def _lenient_hex(value: str | None) -> str | None:
    # Tail fields are only partly understood: one we cannot read must not sink the whole card.
    if value is None:
        return None
    try:
        return hex_text(value, "") or None
    except PayloadError:
        return None


def _card_code(value: str | None) -> tuple[str, str, dict[str, str | None]]:
    code = (value or "").upper()
    match = CARD_CODE.fullmatch(code)
    if match is not None:
        parts = match.groupdict()
        return code, parts["sin"], {k: parts[k] for k in ("group", "level", "province")}
    if SOCIAL_INSURANCE_NUMBER.fullmatch(code) is not None:
        return code, code, {"group": None, "level": None, "province": None}
    raise PayloadError("Mã thẻ BHYT trong mã QR phải gồm 15 ký tự hoặc mã số BHXH 10 chữ số.")


def _birth_date(value: str | None) -> str:
    if value is not None and _YEAR.fullmatch(value):
        return value
    if value is None:
        raise PayloadError("Mã QR thẻ BHYT thiếu ngày sinh.")
    return slash_date(value, "Ngày sinh")


def _optional_date(value: str | None, label: str) -> str | None:
    return None if value is None else slash_date(value, label)


def _facility(value: str | None) -> str | None:
    if value is None:
        return None
    match = _FACILITY.fullmatch(value)
    return "".join(match.groups()) if match else value


def _gender(value: str | None) -> Gender:
    gender = _GENDERS.get(value or "")
    if gender is None:
        raise PayloadError("Giới tính trong mã QR thẻ BHYT phải là 1 (nam) hoặc 2 (nữ).")
    return gender


def _tail(parts: list[str]) -> _Tail:
    agency_and_sin = _at(parts, 9)
    five_years = _at(parts, 12)
    try:
        five_years_from = _optional_date(five_years, "")
    except PayloadError:
        five_years_from = None
    agency_ok = agency_and_sin is not None and _AGENCY_AND_SIN.fullmatch(agency_and_sin)
    return _Tail(
        agency_code=agency_and_sin[:4] if agency_and_sin and agency_ok else None,
        guardian_name=_lenient_hex(_at(parts, 10)),
        area_code=_at(parts, 11),
        five_years_from=five_years_from,
        check_string=_at(parts, 13),
        field_14=_at(parts, 14),
        issuing_place=_lenient_hex(_at(parts, 15)),
    )


def parse_bhyt(text: str) -> BhytCard:
    """Parse a BHYT payload by index: fields 0-8 required, 9-15 optional, trailing `$` dropped."""
    parts = nfc(text).strip().split("|")
    if parts[-1].strip() == "$":
        parts.pop()
    if len(parts) < BHYT_REQUIRED_FIELDS:
        raise PayloadError(
            f"Mã QR thẻ BHYT phải có ít nhất {BHYT_REQUIRED_FIELDS} trường, mã này có {len(parts)}."
        )
    code, sin, code_parts = _card_code(_at(parts, 0))
    name = hex_text(_at(parts, 1) or "", "Họ và tên")
    if not name:
        raise PayloadError("Mã QR thẻ BHYT thiếu họ và tên.")
    address = _at(parts, 4)
    return BhytCard(
        card_number=code,
        social_insurance_number=sin,
        full_name=name,
        date_of_birth=_birth_date(_at(parts, 2)),
        gender=_gender(_at(parts, 3)),
        address=None if address is None else hex_text(address, "Địa chỉ") or None,
        kcb_facility=_facility(_at(parts, 5)),
        valid_from=_optional_date(_at(parts, 6), "Ngày bắt đầu hiệu lực"),
        valid_to=_optional_date(_at(parts, 7), "Ngày hết hiệu lực"),
        issued_on=_optional_date(_at(parts, 8), "Ngày cấp thẻ"),
        group_code=code_parts["group"],
        benefit_level=code_parts["level"],
        province_code=code_parts["province"],
        **_tail(parts),
    )
