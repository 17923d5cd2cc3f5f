"""One normaliser per declaration field: clean a typed value or say what is wrong with it."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from email_validator import EmailNotValidError, validate_email

from vssid_intake.domain.countries import COUNTRY_CODES
from vssid_intake.domain.dates import birth_date_problem, parse_iso_date
from vssid_intake.domain.errors import InvalidValueError
from vssid_intake.domain.id_documents import (
    id_number_problem,
    normalize_id_number,
    normalize_id_type,
)
from vssid_intake.domain.messages import EXPECTED, ID_NUMBER_DETAILS
from vssid_intake.domain.phones import normalize_vn_mobile
from vssid_intake.domain.text import clean_text, has_forbidden_chars, is_plausible_name

# A normaliser returns the clean value, None for "cleared" (empty input), or raises
# InvalidValueError.
Normalizer = Callable[[object, date], object]

# DOMAIN §5: may widen to the 12-digit personal ID one day, hence a named constant.
SIN_PATTERN = re.compile(r"^\d{10}$", re.ASCII)
_AGENCY_CODE = re.compile(r"^\d{4}$", re.ASCII)
MAX_LENGTHS = {"full_name": 100, "address": 300, "issued_by": 200, "email": 254}


def _string(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidValueError("invalid_type", expected=EXPECTED["str"])
    return value


def _text(value: object, max_length: int) -> str | None:
    cleaned = clean_text(_string(value))
    if has_forbidden_chars(cleaned):
        raise InvalidValueError("invalid_text")
    if len(cleaned) > max_length:
        raise InvalidValueError("too_long", max=max_length)
    return cleaned or None


def full_name(value: object, today: date) -> str | None:
    cleaned = _text(value, MAX_LENGTHS["full_name"])
    if cleaned is not None and not is_plausible_name(cleaned):
        raise InvalidValueError("invalid_name")
    return cleaned


def address(value: object, today: date) -> str | None:
    return _text(value, MAX_LENGTHS["address"])


def issued_by(value: object, today: date) -> str | None:
    return _text(value, MAX_LENGTHS["issued_by"])


def social_insurance_number(value: object, today: date) -> str | None:
    # A JSON number would already have lost its leading zeros, hence str only.
    digits = "".join(_string(value).split())
    if digits and not SIN_PATTERN.fullmatch(digits):
        raise InvalidValueError("invalid_sin")
    return digits or None


def _date(value: object) -> date | None:
    if not isinstance(value, str | date):
        raise InvalidValueError("invalid_type", expected=EXPECTED["date"])
    if value == "":
        return None
    parsed = parse_iso_date(value)
    if parsed is None:
        raise InvalidValueError("invalid_date")
    return parsed


def birth_date(value: object, today: date) -> date | None:
    parsed = _date(value)
    if parsed is None:
        return None
    problem = birth_date_problem(parsed, today)
    if problem is not None:
        raise InvalidValueError(problem)
    return parsed


def past_date(value: object, today: date) -> date | None:
    parsed = _date(value)
    if parsed is not None and parsed > today:
        raise InvalidValueError("date_in_future")
    return parsed


def gender(value: object, today: date) -> str | None:
    cleaned = _string(value).strip().lower()
    if cleaned and cleaned not in ("male", "female"):
        raise InvalidValueError("invalid_gender")
    return cleaned or None


def nationality(value: object, today: date) -> str | None:
    cleaned = _string(value).strip().upper()
    if cleaned and cleaned not in COUNTRY_CODES:
        raise InvalidValueError("invalid_nationality")
    return cleaned or None


def email(value: object, today: date) -> str | None:
    cleaned = clean_text(_string(value))
    if not cleaned:
        return None
    try:
        # No DNS: a draft must validate offline, and deliverability is proven by the mail itself.
        return validate_email(cleaned, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InvalidValueError("invalid_email") from exc


def phone(value: object, today: date) -> str | None:
    text = _string(value).strip()
    if not text:
        return None
    normalized = normalize_vn_mobile(text)
    if normalized is None:
        raise InvalidValueError("invalid_phone")
    return normalized


def agency_code(value: object, today: date) -> str | None:
    cleaned = _string(value).strip()
    if cleaned and not _AGENCY_CODE.fullmatch(cleaned):
        raise InvalidValueError("invalid_agency_code")
    return cleaned or None


def send_email_copy(value: object, today: date) -> bool:
    if not isinstance(value, bool):
        raise InvalidValueError("invalid_type", expected=EXPECTED["bool"])
    return value


def id_type(value: object, today: date) -> str | None:
    text = _string(value)
    if not text.strip():
        return None
    normalized = normalize_id_type(text)
    if normalized is None:
        raise InvalidValueError("invalid_id_type")
    return normalized


def id_number(value: object, today: date, kind: str | None, country: str | None) -> str | None:
    """Unlike the others this needs the document type (and nationality, for passports)."""
    number = normalize_id_number(_string(value))
    if not number:
        return None
    problem = id_number_problem(number, kind, country)
    if problem is not None:
        raise InvalidValueError("invalid_id_number", detail=ID_NUMBER_DETAILS[problem])
    return number
