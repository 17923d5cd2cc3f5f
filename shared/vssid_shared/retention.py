"""Retention as data (issue 15): how long each thing is kept after each outcome, in days.

Defaults are the table in README "Retention"; every row can be set by `VSSID_RETENTION_<ROW>`.
Days are counted in Vietnam calendar dates (Asia/Ho_Chi_Minh): kept for N days means the
personal data goes on the first sweep of the (N+1)-th local day after the outcome, whatever
the hour it happened, so the boundary never depends on the server's time zone.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from vssid_shared.clock import VN_TZ, vn_date

DAY_SECONDS = 24 * 3600


class Retention(BaseSettings):
    """Days kept after the outcome; 0 = removed by the next sweep."""

    model_config = SettingsConfigDict(env_prefix="VSSID_RETENTION_", extra="ignore")

    draft_days: int = Field(30, ge=0, description="a draft never submitted, from its last edit")
    rejected_days: int = Field(30, ge=0, description="time to contest the decision")
    expired_days: int = Field(30, ge=0, description="the applicant did not come in")
    withdrawn_days: int = Field(0, ge=0, description="the applicant asked: at once")
    verified_days: int = Field(365, ge=0, description="declaration once the account exists")
    # ID photos of rejected/expired cases: review's VSSID_IMAGE_RETENTION_DAYS (its purge).
    audit_days: int = Field(5 * 365, ge=0, description="who read or decided what (no PII)")
    deliveries_days: int = Field(365, ge=1, description="mail/SMS delivery records")
    # Rate-limit counters (keyed hashes of client addresses) are no row here: each expires at
    # the end of its own window (minutes) through the TTL index on `expires_at`.
    # The streams keep events (sealed under the data keys) for replay and audit; longer than
    # the visit window (30 days) plus a reminder cycle, so a replay still finds a case's start.
    stream_days: int = Field(45, ge=1, description="DECLARATIONS and its mirror, DEADLETTER")

    def days_after(self, outcome: str) -> int | None:
        """The row for a declaration's outcome (status), None for one not kept by status."""
        value = getattr(self, f"{outcome}_days", None)
        return value if isinstance(value, int) else None

    def stream_max_age_seconds(self) -> float:
        return float(self.stream_days * DAY_SECONDS)


def is_due(outcome_at: datetime, days: int, now: datetime) -> bool:
    """Whether data kept `days` Vietnam days after `outcome_at` must be gone at `now`."""
    if days == 0:
        return True
    return vn_date(now) > vn_date(outcome_at) + timedelta(days=days)


def cutoff(days: int, now: datetime) -> datetime:
    """The instant before which a record kept `days` Vietnam days is due (see `is_due`):
    the start of the local day `days` days before today, as an index-friendly bound."""
    first_kept = vn_date(now) - timedelta(days=days)
    return datetime.combine(first_kept, time(0), VN_TZ)
