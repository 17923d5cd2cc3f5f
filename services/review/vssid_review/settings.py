"""review's settings."""

from __future__ import annotations

from pydantic import Field

from vssid_review.staff.settings import StaffSettings
from vssid_shared.settings import CommonSettings


class ReviewSettings(StaffSettings, CommonSettings):
    review_port: int = 8081
    visit_window_days: int = 30
    reminder_days_before: int = 5
    sweep_interval_seconds: float = 60.0
    # Days ID photos of a rejected or expired case are kept (DOMAIN.md §9); 0 = next sweep.
    image_retention_days: int = Field(default=0, ge=0)
    # Reconciler (in the sweeper's loop): a case waiting this long for its copy receipt or,
    # once verified, for its SMS receipt gets its event again, at most this many times.
    reconcile_after_seconds: float = 900.0
    reconcile_max_attempts: int = 5
