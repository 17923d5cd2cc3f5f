"""Login and session limits as values: what the adapters enforce, chosen by settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class LoginPolicy:
    client_max_failures: int
    client_window: timedelta
    max_failures: int
    lockout: timedelta
    account_max_failures: int
    account_window: timedelta


@dataclass(frozen=True)
class Attempt:
    """One reserved password check: the login id and the client address it came from."""

    login_id: str
    client: str

    @property
    def pair(self) -> str:
        return f"{self.login_id}|{self.client}"


@dataclass(frozen=True)
class SessionPolicy:
    """OWASP Session Management: valid while `now` is before both the absolute and the idle
    deadline; each use moves the idle deadline, never past the absolute one."""

    idle: timedelta
    absolute: timedelta

    def idle_deadline(self, now: datetime, absolute_deadline: datetime) -> datetime:
        return min(now + self.idle, absolute_deadline)


@dataclass(frozen=True)
class SessionView:
    must_change_password: bool
    expires_at: datetime
