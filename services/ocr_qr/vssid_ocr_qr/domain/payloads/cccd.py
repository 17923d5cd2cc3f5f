"""Parser for the QR payload of a chip CCCD or a 2024+ Căn cước card (DOMAIN.md §1)."""

import re
from dataclasses import asdict, dataclass

from vssid_ocr_qr.domain.errors import PayloadError
from vssid_ocr_qr.domain.payloads.common import Gender, compact_date
from vssid_shared.text import nfc

CCCD_FIELD_COUNT = 7
ID_NUMBER = re.compile(r"\d{12}")
# Old CMND numbers were 9 digits; the short-lived 2012-2016 CMND had 12.
_OLD_ID_NUMBER = re.compile(r"\d{9}|\d{12}")
_GENDERS: dict[str, Gender] = {"nam": "male", "nữ": "female"}


@dataclass(frozen=True, slots=True)
class CccdCard:
    """What a CCCD QR carries; dates ISO, gender male/female, text NFC."""

    id_number: str
    old_id_number: str | None
    full_name: str
    date_of_birth: str
    gender: Gender
    address: str
    issued_on: str

    def fields(self) -> dict[str, str | None]:
        """Return the fields under the names of CONTRACT.md §3."""
        return asdict(self)


def parse_gender(value: str) -> Gender:
    """Map `Nam`/`Nữ` (any case, NFC or not) to male/female."""
    gender = _GENDERS.get(nfc(value).strip().casefold())
    if gender is None:
        raise PayloadError("Giới tính trong mã QR căn cước phải là Nam hoặc Nữ.")
    return gender


def _required(value: str, label: str) -> str:
    if not value:
        raise PayloadError(f"Mã QR căn cước thiếu {label}.")
    return value


def parse_cccd(text: str) -> CccdCard:
    """Parse `id|old id|name|ddMMyyyy|Nam/Nữ|address|ddMMyyyy[|extra...]`.

    Empty fields are kept when splitting (indices must not shift); fields after the seventh,
    such as the four empty ones of 2024+ cards, are ignored because their meaning is unconfirmed.
    """
    parts = [part.strip() for part in nfc(text).strip().split("|")]
    if len(parts) < CCCD_FIELD_COUNT:
        raise PayloadError(
            f"Mã QR căn cước phải có ít nhất {CCCD_FIELD_COUNT} trường, mã này có {len(parts)}."
        )
    id_number, old_id, name, born, sex, address, issued = parts[:CCCD_FIELD_COUNT]
    if ID_NUMBER.fullmatch(id_number) is None:
        raise PayloadError("Số căn cước trong mã QR phải gồm đúng 12 chữ số.")
    if old_id and _OLD_ID_NUMBER.fullmatch(old_id) is None:
        raise PayloadError("Số CMND cũ trong mã QR phải gồm 9 hoặc 12 chữ số.")
    return CccdCard(
        id_number=id_number,
        old_id_number=old_id or None,
        full_name=_required(name, "họ và tên"),
        date_of_birth=compact_date(born, "Ngày sinh"),
        gender=parse_gender(sex),
        address=_required(address, "nơi thường trú"),
        issued_on=compact_date(issued, "Ngày cấp"),
    )
