"""Time: stored in UTC, deadlines and 'today' counted in Vietnam's calendar."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def vn_date(moment: datetime) -> date:
    return moment.astimezone(VN_TZ).date()
