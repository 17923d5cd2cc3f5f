"""Time: stored in UTC, deadlines and 'today' counted in Vietnam's calendar."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_stored(moment: datetime) -> datetime:
    """The time as BSON keeps it (milliseconds): what an answer built from a write, not read
    back, must say so that it equals what a later read returns."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def vn_date(moment: datetime) -> date:
    return moment.astimezone(VN_TZ).date()
