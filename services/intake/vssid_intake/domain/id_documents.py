"""Identity document types and number formats: CCCD, CMND and passport."""

from __future__ import annotations

import re

ID_TYPES: tuple[str, ...] = ("cccd", "cmnd", "passport")

_PATTERNS: dict[str, re.Pattern[str]] = {
    "cccd": re.compile(r"^\d{12}$", re.ASCII),
    # 9-digit CMND, and the 12-digit CMND issued 2012-2016 before the CCCD existed.
    "cmnd": re.compile(r"^(\d{9}|\d{12})$", re.ASCII),
    "passport_vn": re.compile(r"^[A-Z]\d{7}$", re.ASCII),
    "passport": re.compile(r"^[A-Z0-9]{6,9}$", re.ASCII),
    # Type not known yet (a partial draft): only the alphabet and a loose length.
    "any": re.compile(r"^[A-Z0-9]{6,12}$", re.ASCII),
}
_SEPARATORS = re.compile(r"[\s.\-]")


def normalize_id_type(value: str) -> str | None:
    """`cccd`, `cmnd` or `passport` regardless of case and surrounding spaces; else None."""
    candidate = value.strip().lower()
    return candidate if candidate in ID_TYPES else None


def normalize_id_number(value: str) -> str:
    """Upper-case without the spaces, dots and dashes people type; leading zeros are kept."""
    return _SEPARATORS.sub("", value).upper()


def id_number_rule(id_type: str | None, nationality: str | None) -> str:
    """Which format applies: a Vietnamese passport is 1 letter + 7 digits, foreign ones vary."""
    if id_type == "passport":
        return "passport_vn" if nationality == "VN" else "passport"
    return id_type if id_type in _PATTERNS else "any"


def id_number_problem(number: str, id_type: str | None, nationality: str | None) -> str | None:
    """The name of the violated format (a key of messages.ID_NUMBER_DETAILS), or None."""
    rule = id_number_rule(id_type, nationality)
    return None if _PATTERNS[rule].fullmatch(number) else rule
