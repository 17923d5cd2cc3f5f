"""Who is calling review: an API client's bearer token, or a signed-in person's session cookie.

Bearer tokens (API clients, scripts) are unchanged. A browser signs in with login, password
and TOTP code (`POST /v1/staff/session`) and gets an HttpOnly, Secure, SameSite=Strict session
cookie; every state-changing request made with that cookie must also carry the session's
CSRF token in `X-CSRF-Token` (SameSite already stops cross-site sends; the token also stops a
same-site attacker, e.g. another app on a sibling host, and a browser without SameSite).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import timedelta

from fastapi import Request

from vssid_review.adapters.operators import OperatorStore
from vssid_review.adapters.staff_credentials import CredentialStore
from vssid_review.adapters.staff_sessions import SessionStore, StaffSession
from vssid_review.adapters.staff_signin_limits import SignInLimits
from vssid_review.domain.cases import Operator
from vssid_review.domain.errors import CsrfError, UnauthorizedError
from vssid_review.domain.staff_credentials import SignInPolicy
from vssid_review.settings import StaffSettings
from vssid_shared.clock import Clock
from vssid_shared.crypto import Keys
from vssid_shared.mongo import Doc

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"


@dataclass
class StaffAuth:
    operators: OperatorStore
    credentials: CredentialStore
    sessions: SessionStore
    limits: SignInLimits
    clock: Clock
    secure_cookie: bool

    @classmethod
    def build(
        cls, operators: OperatorStore, keys: Keys, settings: StaffSettings, clock: Clock
    ) -> StaffAuth:
        db = operators.database
        policy = SignInPolicy(
            max_failures=settings.staff_signin_max_failures,
            client_max_failures=settings.staff_signin_client_max_failures,
            window=timedelta(minutes=settings.staff_signin_window_minutes),
        )
        return cls(
            operators=operators,
            credentials=CredentialStore(db, keys.records),
            sessions=SessionStore(
                db,
                idle=timedelta(minutes=settings.staff_idle_minutes),
                lifetime=timedelta(hours=settings.staff_session_hours),
            ),
            limits=SignInLimits(db["staff_signin_failures"], keys.lookup, policy),
            clock=clock,
            secure_cookie=settings.staff_cookie_secure,
        )

    @property
    def cookie_name(self) -> str:
        # `__Host-`: the browser only accepts it Secure, host-only and on path /.
        return "__Host-vssid_staff" if self.secure_cookie else "vssid_staff"

    async def ensure_indexes(self) -> None:
        await self.credentials.ensure_indexes()
        await self.sessions.ensure_indexes()
        await self.limits.ensure_indexes()

    async def session_of(self, request: Request) -> tuple[str, StaffSession] | None:
        sid = request.cookies.get(self.cookie_name)
        if not sid or len(sid) > 100:
            return None
        session = await self.sessions.current(sid, self.clock())
        return (sid, session) if session else None

    async def operator_of(self, request: Request, authorization: str | None) -> Operator:
        """The caller, or UnauthorizedError / CsrfError."""
        if authorization is not None:
            scheme, _, token = authorization.partition(" ")
            op = None
            if scheme.lower() == "bearer":
                op = await self.operators.by_token(token.strip())
        else:
            op = await self.cookie_operator(request)
        if op is None:
            raise UnauthorizedError
        return replace(op, client=request.client.host if request.client else None)

    async def cookie_operator(self, request: Request) -> Operator | None:
        found = await self.session_of(request)
        if found is None:
            return None
        _, session = found
        if request.method not in SAFE_METHODS:
            sent = request.headers.get(CSRF_HEADER, "")
            if not secrets.compare_digest(sent.encode(), session.csrf_token.encode()):
                raise CsrfError
        return await self.operators.active(session.operator_id)


def operator(doc: Doc) -> Operator:
    return Operator(doc["_id"], doc["name"], doc["agency_code"])
