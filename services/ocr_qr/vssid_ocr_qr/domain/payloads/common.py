"""Field helpers shared by the CCCD and BHYT payload parsers."""

import re
from datetime import date
from typing import Literal

from vssid_ocr_qr.domain.errors import PayloadError
from vssid_shared.text import nfc

Gender = Literal["male", "female"]

_COMPACT_DATE = re.compile(r"(\d{2})(\d{2})(\d{4})")
_SLASH_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def iso_date(day: str, month: str, year: str, label: str) -> str:
    """Return the ISO form of a calendar date, or raise PayloadError naming the field."""
    try:
        return date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        raise PayloadError(f"{label} trong mã QR không phải ngày hợp lệ.") from None


def compact_date(value: str, label: str) -> str:
    """Parse `ddMMyyyy` (CCCD) into ISO `YYYY-MM-DD`."""
    match = _COMPACT_DATE.fullmatch(value.strip())
    if match is None:
        raise PayloadError(f"{label} trong mã QR phải có dạng ngàythángnăm (ddMMyyyy).")
    day, month, year = match.groups()
    return iso_date(day, month, year, label)


def slash_date(value: str, label: str) -> str:
    """Parse `dd/mm/yyyy` (BHYT) into ISO `YYYY-MM-DD`."""
    match = _SLASH_DATE.fullmatch(value.strip())
    if match is None:
        raise PayloadError(f"{label} trong mã QR phải có dạng ngày/tháng/năm.")
    day, month, year = match.groups()
    return iso_date(day, month, year, label)


def hex_text(value: str, label: str) -> str:
    """Decode a hex-encoded UTF-8 string (BHYT name, address) into stripped text."""
    try:
        return nfc(bytes.fromhex(value.strip()).decode("utf-8")).strip()
    except ValueError:  # also covers UnicodeDecodeError
        raise PayloadError(f"{label} trong mã QR thẻ BHYT không đọc được.") from None
