"""Who is calling review, at the HTTP edge: an API client's bearer token, or a signed-in
person's session cookie (the use cases are in `staff_handlers`).

Bearer tokens (API clients, scripts) are unchanged. A browser signs in with login, password
and TOTP code (`POST /v1/staff/session`) and gets an HttpOnly, Secure, SameSite=Strict session
cookie; every state-changing request made with that cookie must also carry the session's
CSRF token in `X-CSRF-Token` (SameSite already stops cross-site sends; the token also stops a
same-site attacker, e.g. another app on a sibling host, and a browser without SameSite).
"""

from __future__ import annotations

from dataclasses import replace

from fastapi import Request

from vssid_review.bootstrap import App
from vssid_review.domain.cases import Operator
from vssid_review.domain.errors import UnauthorizedError
from vssid_review.staff_handlers import SessionCall, operator_of_session, operator_of_token

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"


def cookie_name(app: App) -> str:
    # `__Host-`: the browser only accepts it Secure, host-only and on path /.
    return "__Host-vssid_staff" if app.staff_cookie_secure else "vssid_staff"


def session_call(request: Request, app: App) -> SessionCall:
    """The request's session cookie and CSRF header, as the use cases take them."""
    return SessionCall(
        request.cookies.get(cookie_name(app)),
        request.headers.get(CSRF_HEADER),
        changes_state=request.method not in SAFE_METHODS,
    )


async def operator_of(request: Request, authorization: str | None, app: App) -> Operator:
    """The caller, or UnauthorizedError / CsrfError. An `Authorization` header decides
    alone: with one, the cookie is not looked at."""
    if authorization is not None:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer":
            raise UnauthorizedError
        op = await operator_of_token(token.strip(), deps=app.staff)
    else:
        op = await operator_of_session(session_call(request, app), deps=app.staff)
    return replace(op, client=request.client.host if request.client else None)
