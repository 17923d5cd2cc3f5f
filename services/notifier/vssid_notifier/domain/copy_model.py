"""Data the notifier renders: the declaration copy, status-mail context and shared formatting."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Literal

Gender = Literal["male", "female"]
IdType = Literal["cccd", "cmnd", "passport"]

# Vietnam has a single fixed offset and no DST, so no tz database is needed.
VIETNAM_TZ = timezone(timedelta(hours=7), "ICT")

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")

_ID_DOCUMENT_VI: dict[str, str] = {
    "cccd": "Căn cước công dân",
    "cmnd": "Chứng minh nhân dân",
    "passport": "Hộ chiếu",
}
_ID_DOCUMENT_EN: dict[str, str] = {
    "cccd": "citizen identity card (CCCD)",
    "cmnd": "people's identity card (CMND)",
    "passport": "passport",
}
_COUNTRY_VI: dict[str, str] = {"VN": "Việt Nam"}


@dataclass(frozen=True, slots=True)
class DeclarationCopy:
    """Everything the person declared plus the receiving agency, as printed on the copy."""

    reference: str
    full_name: str
    social_insurance_number: str
    date_of_birth: date
    gender: Gender
    nationality: str
    id_type: IdType
    id_number: str
    id_issued_on: date | None
    id_issued_by: str | None
    address: str
    phone: str
    email: str | None
    agency_code: str
    agency_name: str
    agency_address: str
    agency_phone: str
    submitted_at: datetime
    deadline: date
    # The consent on record (issue 15): "<version>, dd/mm/yyyy HH:MM" in Vietnam time.
    consent: str | None = None

    def __post_init__(self) -> None:
        if self.submitted_at.tzinfo is None or self.submitted_at.utcoffset() is None:
            raise ValueError("submitted_at must be timezone-aware")
        if not _E164.match(self.phone):
            raise ValueError("phone must be in E.164 format")
        if self.gender not in ("male", "female"):
            raise ValueError("gender must be 'male' or 'female'")
        if self.id_type not in _ID_DOCUMENT_VI:
            raise ValueError("id_type must be 'cccd', 'cmnd' or 'passport'")


@dataclass(frozen=True, slots=True)
class MailContext:
    """What a status mail may mention; never a password (that travels only by SMS)."""

    reference: str
    full_name: str
    social_insurance_number: str
    agency_code: str
    agency_name: str
    agency_address: str
    agency_phone: str
    deadline: date | None = None
    reason: str | None = None
    id_type: IdType | None = None

    @classmethod
    def from_copy(cls, copy: DeclarationCopy) -> MailContext:
        """The context of the copy mail, taken from the declaration copy itself."""
        return cls(
            reference=copy.reference,
            full_name=copy.full_name,
            social_insurance_number=copy.social_insurance_number,
            agency_code=copy.agency_code,
            agency_name=copy.agency_name,
            agency_address=copy.agency_address,
            agency_phone=copy.agency_phone,
            deadline=copy.deadline,
            id_type=copy.id_type,
        )


def nfc(text: str) -> str:
    """NFC form: input may come decomposed (macOS, some keyboards); output is always composed."""
    return unicodedata.normalize("NFC", text)


def format_date(value: date) -> str:
    """dd/mm/yyyy, the Vietnamese administrative date format."""
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


def to_vietnam_time(moment: datetime) -> datetime:
    """The moment as wall-clock time in Vietnam (what the person saw when submitting)."""
    return moment.astimezone(VIETNAM_TZ)


def national_phone(phone: str) -> str:
    """+84xxxxxxxxx → 0xxxxxxxxx, as Vietnamese people write numbers; others stay as given."""
    compact = re.sub(r"[\s.\-()]", "", phone)
    if compact.startswith("+84"):
        return "0" + compact[3:]
    return phone


def gender_label(gender: Gender, locale: str = "vi") -> str:
    """Nam/Nữ in Vietnamese, Male/Female in English."""
    if locale == "en":
        return "Male" if gender == "male" else "Female"
    return "Nam" if gender == "male" else "Nữ"


def country_label(code: str, locale: str = "vi") -> str:
    """Country name for an ISO code; unknown codes are shown as the code itself."""
    if locale == "en":
        return "Vietnam" if code.upper() == "VN" else code.upper()
    return _COUNTRY_VI.get(code.upper(), code.upper())


def id_document_label(id_type: IdType, locale: str = "vi") -> str:
    """Name of the identity document type."""
    if locale == "en":
        label = _ID_DOCUMENT_EN[id_type]
        return label[:1].upper() + label[1:]
    return _ID_DOCUMENT_VI[id_type]


def what_to_bring(id_type: IdType, locale: str = "vi") -> str:
    """The original identity document the clerk checks at the office."""
    if locale == "en":
        return f"Your original {_ID_DOCUMENT_EN[id_type]}"
    return f"{id_document_label(id_type, 'vi')} bản gốc"
