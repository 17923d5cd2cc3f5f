"""Staff sessions as the rules see them: the session a cookie names, its CSRF token, its
policy, and the sign-in credential an operator's login leads to. No storage here: the
stores are in `adapters/staff_*`, the use cases in `staff_handlers`."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from vssid_review.domain.cases import Operator

# A cookie value longer than this is nobody's session id (ours are 43 characters): it is
# answered like a missing cookie without a lookup.
MAX_SESSION_ID = 100


@dataclass(frozen=True)
class StaffSession:
    operator_id: str
    csrf_token: str


@dataclass(frozen=True)
class StaffSessionPolicy:
    """A session ends after `idle` without a request, and after `lifetime` however busy."""

    idle: timedelta
    lifetime: timedelta


@dataclass(frozen=True)
class Credential:
    """An operator's sign-in fields: the argon2id hash, the TOTP secret sealed (opened only
    once the password matched) and the last time step a code was accepted in."""

    operator: Operator
    password_hash: str | None
    totp_sealed: str | None
    totp_last_step: int | None


def plausible_session_id(session_id: str | None) -> bool:
    return bool(session_id) and len(session_id or "") <= MAX_SESSION_ID


def csrf_matches(sent: str | None, session: StaffSession) -> bool:
    """The double-submit check, in constant time."""
    return secrets.compare_digest((sent or "").encode(), session.csrf_token.encode())
