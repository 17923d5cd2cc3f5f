"""review's staff sign-in use cases: `verb_object(command, *, deps)`, given ports only.

A person signs in with login, password and TOTP code and gets a server-side session (the
cookie and its attributes are the HTTP edge's, `entrypoints/staff_routes`); every
state-changing request made with that session carries its CSRF token. API clients keep
their bearer tokens. Enrolment (`vssid operators add`) gives the password and TOTP secret.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass

from vssid_review.domain.cases import Operator
from vssid_review.domain.errors import (
    CsrfError,
    LoginTakenError,
    SignInFailedError,
    TooManySignInsError,
    UnauthorizedError,
)
from vssid_review.domain.staff_credentials import LOGIN, Enrolment, check_password, totp_step
from vssid_review.domain.staff_sessions import StaffSession, csrf_matches, plausible_session_id
from vssid_review.ports import StaffDeps
from vssid_shared.doc import Doc

# Anything that cannot be a login (enrolment allows [a-z0-9._-]) is limited under one key,
# so hostile text (lone surrogates, control characters) never reaches a hash.
INVALID_LOGIN = "(invalid)"


@dataclass(frozen=True)
class SignInStaff:
    login: str
    password: str
    code: str
    client: str  # the caller's address, for the per-address limit


@dataclass(frozen=True)
class SessionCall:
    """A request carrying a session cookie: its value, the CSRF header sent, and whether the
    request changes state (then the header must match the session's token)."""

    session_id: str | None
    csrf_token: str | None = None
    changes_state: bool = False


@dataclass(frozen=True)
class SignedIn:
    operator: Operator
    session: StaffSession
    session_id: str | None = None  # only when just opened: the cookie's value


@dataclass(frozen=True)
class EnrolOperator:
    name: str
    agency_code: str
    login: str
    chosen: bool  # given by hand (a clash is refused) or the default (a clash gets a suffix)


@dataclass(frozen=True)
class Enrolled:
    operator: Operator
    token: str  # the bearer token, shown once
    enrolment: Enrolment


def sign_in_login(login: str) -> str:
    """The login as the limits and the store see it."""
    key = login.strip().lower()
    return key if LOGIN.match(key) else INVALID_LOGIN


async def sign_in_staff(command: SignInStaff, *, deps: StaffDeps) -> SignedIn:
    """Password and a TOTP code accepted once: a new session. Limited per login and per
    address before argon2 runs, so a locked login costs the server nothing; every wrong
    part answers the same."""
    login, client = sign_in_login(command.login), command.client
    now = deps.clock()
    wait = await deps.attempts.retry_after(login, client, now)
    if wait is not None:
        raise TooManySignInsError(wait)
    credential = await deps.credentials.by_login(login)
    # argon2id takes tens of milliseconds of CPU: off the event loop, so open event streams
    # and other requests keep moving while a sign-in is checked. An unknown login pays the
    # same check (see `check_password`).
    stored = credential.password_hash if credential else None
    good = await asyncio.to_thread(check_password, stored, command.password)
    step = None
    if credential is not None and good and credential.totp_sealed:
        secret = deps.credentials.totp_secret(credential)
        step = totp_step(secret, command.code.strip(), now, credential.totp_last_step)
    if (
        credential is None
        or step is None
        or not await deps.credentials.use_step(credential.operator.id, step)
    ):
        await deps.attempts.failed(login, client, now)
        raise SignInFailedError
    await deps.attempts.succeeded(login)
    session_id, session = await deps.sessions.open(credential.operator.id, now)
    return SignedIn(credential.operator, session, session_id)


async def _live_session(session_id: str | None, deps: StaffDeps) -> StaffSession | None:
    if session_id is None or not plausible_session_id(session_id):
        return None
    return await deps.sessions.current(session_id, deps.clock())


async def read_staff_session(call: SessionCall, *, deps: StaffDeps) -> SignedIn:
    """Who is signed in with this cookie (its idle deadline moved on), or 401."""
    session = await _live_session(call.session_id, deps)
    operator = await deps.operators.active(session.operator_id) if session else None
    if session is None or operator is None:
        raise UnauthorizedError
    return SignedIn(operator, session)


async def operator_of_session(call: SessionCall, *, deps: StaffDeps) -> Operator:
    """The operator of a session cookie, still active; a state-changing request without the
    session's CSRF token is refused (403) before anything else is looked at."""
    session = await _live_session(call.session_id, deps)
    if session is None:
        raise UnauthorizedError
    if call.changes_state and not csrf_matches(call.csrf_token, session):
        raise CsrfError
    operator = await deps.operators.active(session.operator_id)
    if operator is None:
        raise UnauthorizedError
    return operator


async def operator_of_token(token: str, *, deps: StaffDeps) -> Operator:
    """An API client's bearer token: its active operator, or 401."""
    operator = await deps.operators.by_token(token)
    if operator is None:
        raise UnauthorizedError
    return operator


async def sign_out_staff(call: SessionCall, *, deps: StaffDeps) -> None:
    """Ends the cookie's session. The CSRF check of any state-changing request: nobody
    else's page signs you out. No live session: nothing to end (the answer is the same)."""
    session = await _live_session(call.session_id, deps)
    if session is None or call.session_id is None:
        return
    if not csrf_matches(call.csrf_token, session):
        raise CsrfError
    await deps.sessions.close(call.session_id)


async def enrol_operator(command: EnrolOperator, *, deps: StaffDeps) -> Enrolled:
    """A new operator: bearer token, login, generated password and TOTP secret."""
    login = command.login
    if await deps.credentials.login_taken(login):
        if command.chosen:
            raise LoginTakenError
        # Two people of one office may share a name: the default gets a short suffix.
        login = f"{login}-{secrets.token_hex(2)}"
    operator, token = await deps.operators.add(command.name, command.agency_code, deps.clock())
    enrolment = await deps.credentials.enrol(operator.id, login)
    return Enrolled(operator, token, enrolment)


async def list_operators(*, deps: StaffDeps) -> list[Doc]:
    """Every operator, oldest first, without token hashes."""
    return await deps.operators.list()


async def disable_operator(operator_id: str, *, deps: StaffDeps) -> bool:
    """The operator's token and sessions stop working; False when there is no such one."""
    found = await deps.operators.disable(operator_id)
    if found:
        await deps.sessions.close_all(operator_id)
    return found
