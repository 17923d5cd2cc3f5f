"""review's settings."""

from __future__ import annotations

from vssid_shared.settings import CommonSettings


class ReviewSettings(CommonSettings):
    review_port: int = 8081
    visit_window_days: int = 30
    reminder_days_before: int = 5
    sweep_interval_seconds: float = 60.0
