"""ISO calendar dates as typed by applicants, and the plausibility rules on them."""

from __future__ import annotations

import re
from datetime import date, datetime

MAX_AGE_YEARS = 120
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)


def parse_iso_date(value: object) -> date | None:
    """A `date` from `YYYY-MM-DD` (or an existing date); None when it is not a real date.

    `date.fromisoformat` alone also takes `20240101` and week dates since Python 3.11; the
    contract promises plain `YYYY-MM-DD`, so the shape is checked first. A `datetime` (how
    MongoDB hands back stored dates) is reduced to its date.
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value.strip()):
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def age_on(birth: date, today: date) -> int:
    """Completed years between `birth` and `today` (negative when birth is in the future)."""
    years = today.year - birth.year
    if (today.month, today.day) < (birth.month, birth.day):
        years -= 1
    return years


def birth_date_problem(birth: date, today: date) -> str | None:
    """The error code for an implausible date of birth, or None when it is acceptable."""
    if birth > today:
        return "date_in_future"
    if age_on(birth, today) > MAX_AGE_YEARS:
        return "implausible_age"
    return None


def issued_date_problem(issued: date, today: date, birth: date | None) -> str | None:
    """The error code for an impossible issue date, or None; `birth` may be unknown yet."""
    if issued > today:
        return "date_in_future"
    if birth is not None and issued <= birth:
        return "issued_before_birth"
    return None
