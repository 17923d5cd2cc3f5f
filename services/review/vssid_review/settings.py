"""review's settings."""

from __future__ import annotations

import ipaddress

from pydantic import BaseModel, Field, model_validator

from vssid_shared.settings import CommonSettings


class StaffSettings(BaseModel):
    # Minutes without a request after which a staff session ends; hours after which it ends
    # however busy (a shift), so a stolen cookie has a bounded life.
    staff_idle_minutes: float = Field(default=30.0, gt=0)
    staff_session_hours: float = Field(default=12.0, gt=0)
    # Failed sign-ins tolerated in the window: per login, and per client address across logins.
    staff_signin_max_failures: int = Field(default=5, ge=1)
    staff_signin_client_max_failures: int = Field(default=20, ge=1)
    staff_signin_window_minutes: float = Field(default=15.0, gt=0)
    # The session cookie is `Secure` (and named with the `__Host-` prefix). Browsers treat
    # http://127.0.0.1 and http://localhost as secure, so even plain-http dev keeps it on; it
    # may be turned off only for a dev server bound to a loopback address that is reached by
    # a browser that does not (older Firefox, WebViews). Refused in prod and off loopback.
    staff_cookie_secure: bool = True

    @model_validator(mode="after")
    def _secure_cookie_off_only_on_loopback(self) -> StaffSettings:
        if not self.staff_cookie_secure:
            host = str(getattr(self, "host", ""))
            env = getattr(self, "env", "dev")
            if env == "prod" or not _loopback(host):
                raise ValueError(
                    "VSSID_STAFF_COOKIE_SECURE=false is only for plain-http dev on 127.0.0.1"
                )
        return self


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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
