"""review's staff sign-in use cases on the in-memory ports of `tests/fakes.py`: no MongoDB.

Sign in with password and a TOTP code accepted once, limits before argon2, who is signed in,
the CSRF check of state-changing requests, sign-out, enrolment and disabling; then the same
through the HTTP edge (cookie `__Host-vssid_staff`, `X-CSRF-Token`) with bootstrap's fakes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pyotp
import pytest

from tests.fakes import (
    FakeCases,
    FakeImages,
    FakeOperators,
    FakeSignInAttempts,
    FakeStaffCredentials,
    FakeStaffSessions,
    FrozenClock,
)
from vssid_review import staff_handlers as staff
from vssid_review.bootstrap import bootstrap
from vssid_review.domain.errors import (
    CsrfError,
    LoginTakenError,
    SignInFailedError,
    TooManySignInsError,
    UnauthorizedError,
)
from vssid_review.domain.staff_credentials import SignInPolicy
from vssid_review.domain.staff_sessions import StaffSessionPolicy
from vssid_review.entrypoints.api import create_app
from vssid_review.ports import StaffDeps
from vssid_review.settings import ReviewSettings
from vssid_review.staff_handlers import EnrolOperator, SessionCall, SignInStaff

NOW = datetime(2026, 12, 1, 8, 0, 10, tzinfo=UTC)  # 10 s into a TOTP step
POLICY = StaffSessionPolicy(idle=timedelta(minutes=30), lifetime=timedelta(hours=12))
LIMITS = SignInPolicy(max_failures=3, client_max_failures=5, window=timedelta(minutes=15))
CLIENT = "10.0.0.7"


@dataclass
class Office:
    deps: StaffDeps
    operators: FakeOperators
    credentials: FakeStaffCredentials
    sessions: FakeStaffSessions
    attempts: FakeSignInAttempts
    clock: FrozenClock


@pytest.fixture
def office() -> Office:
    operators = FakeOperators()
    credentials = FakeStaffCredentials(operators)
    sessions = FakeStaffSessions(POLICY)
    attempts = FakeSignInAttempts(LIMITS)
    clock = FrozenClock(NOW)
    deps = StaffDeps(operators, credentials, sessions, attempts, clock, POLICY)
    return Office(deps, operators, credentials, sessions, attempts, clock)


async def enrolled(office: Office, name: str = "Lê Văn Cường") -> staff.Enrolled:
    return await staff.enrol_operator(
        EnrolOperator(name, "4802", "levancuong.4802", chosen=False), deps=office.deps
    )


def code_at(member: staff.Enrolled, when: datetime) -> str:
    return pyotp.TOTP(member.enrolment.totp_secret).at(when)


def sign_in(member: staff.Enrolled, code: str, password: str | None = None) -> SignInStaff:
    return SignInStaff(
        f"  {member.enrolment.login.upper()} ", password or member.enrolment.password, code, CLIENT
    )


async def test_sign_in_opens_a_session_for_the_operator(office: Office) -> None:
    member = await enrolled(office)
    signed_in = await staff.sign_in_staff(sign_in(member, code_at(member, NOW)), deps=office.deps)
    assert signed_in.operator == member.operator
    assert signed_in.session_id in office.sessions.live
    assert signed_in.session.operator_id == member.operator.id
    me = await staff.read_staff_session(SessionCall(signed_in.session_id), deps=office.deps)
    assert me.operator == member.operator
    assert me.session.csrf_token == signed_in.session.csrf_token


async def test_every_wrong_part_fails_alike_and_counts(office: Office) -> None:
    member = await enrolled(office)
    good = code_at(member, NOW)
    wrong_code = f"{(int(good) + 1) % 1_000_000:06d}"
    attempts = [
        sign_in(member, wrong_code),
        sign_in(member, good, password=member.enrolment.password + "x"),
        SignInStaff("nobody.4802", member.enrolment.password, good, "10.0.0.8"),
    ]
    for command in attempts:
        with pytest.raises(SignInFailedError):
            await staff.sign_in_staff(command, deps=office.deps)
    assert len(office.attempts.failures["login:levancuong.4802"]) == 2
    assert len(office.attempts.failures["login:nobody.4802"]) == 1
    assert office.sessions.live == {}


async def test_a_code_is_accepted_once(office: Office) -> None:
    member = await enrolled(office)
    code = code_at(member, NOW)
    await staff.sign_in_staff(sign_in(member, code), deps=office.deps)
    with pytest.raises(SignInFailedError):  # seen over a shoulder, or replayed
        await staff.sign_in_staff(sign_in(member, code), deps=office.deps)
    office.clock.now = NOW + timedelta(seconds=30)  # the next step's code is fine
    await staff.sign_in_staff(sign_in(member, code_at(member, office.clock())), deps=office.deps)
    assert len(office.sessions.live) == 2


async def test_a_locked_login_is_refused_before_checking_then_success_clears_it(
    office: Office,
) -> None:
    member = await enrolled(office)
    for _ in range(LIMITS.max_failures):
        with pytest.raises(SignInFailedError):
            await staff.sign_in_staff(sign_in(member, "000000", "wrong"), deps=office.deps)
    with pytest.raises(TooManySignInsError) as locked:
        # The right password and code wait too: the guesser learns nothing more.
        await staff.sign_in_staff(sign_in(member, code_at(member, NOW)), deps=office.deps)
    assert locked.value.retry_after == 15 * 60
    assert locked.value.headers() == {"Retry-After": str(15 * 60)}
    assert office.credentials.by_id[member.operator.id]["last_step"] is None  # never checked
    office.clock.now = NOW + LIMITS.window + timedelta(seconds=1)
    await staff.sign_in_staff(sign_in(member, code_at(member, office.clock())), deps=office.deps)
    assert "login:levancuong.4802" not in office.attempts.failures


async def test_hostile_login_text_is_limited_under_one_key(office: Office) -> None:
    for login in ("\ud800bad", "a\nb", "two words"):
        with pytest.raises(SignInFailedError):
            await staff.sign_in_staff(SignInStaff(login, "p", "123456", CLIENT), deps=office.deps)
    assert len(office.attempts.failures["login:(invalid)"]) == 3


async def test_a_session_ends_when_idle_closed_or_its_operator_disabled(office: Office) -> None:
    member = await enrolled(office)
    signed_in = await staff.sign_in_staff(sign_in(member, code_at(member, NOW)), deps=office.deps)
    call = SessionCall(signed_in.session_id)
    for missing in (SessionCall(None), SessionCall(""), SessionCall("y" * 101)):
        with pytest.raises(UnauthorizedError):
            await staff.read_staff_session(missing, deps=office.deps)
    office.clock.now = NOW + POLICY.idle + timedelta(seconds=1)
    with pytest.raises(UnauthorizedError):
        await staff.read_staff_session(call, deps=office.deps)

    office.clock.now = NOW + timedelta(seconds=30)
    code = code_at(member, office.clock())
    again = await staff.sign_in_staff(sign_in(member, code), deps=office.deps)
    assert list(office.sessions.live) == [signed_in.session_id, again.session_id]
    assert await staff.disable_operator(member.operator.id, deps=office.deps)
    assert office.sessions.live == {}  # every session of the disabled operator is gone
    with pytest.raises(UnauthorizedError):
        await staff.read_staff_session(SessionCall(again.session_id), deps=office.deps)
    assert not await staff.disable_operator("no-such-operator", deps=office.deps)


async def test_state_changing_calls_need_the_sessions_csrf_token(office: Office) -> None:
    member = await enrolled(office)
    signed_in = await staff.sign_in_staff(sign_in(member, code_at(member, NOW)), deps=office.deps)
    sid, csrf = signed_in.session_id, signed_in.session.csrf_token
    read = await staff.operator_of_session(SessionCall(sid), deps=office.deps)
    assert read == member.operator  # a GET needs no token
    for sent in (None, "", csrf[:-1] + "x", csrf + "x"):
        with pytest.raises(CsrfError):
            await staff.operator_of_session(
                SessionCall(sid, sent, changes_state=True), deps=office.deps
            )
    changing = SessionCall(sid, csrf, changes_state=True)
    assert await staff.operator_of_session(changing, deps=office.deps) == member.operator
    with pytest.raises(UnauthorizedError):
        await staff.operator_of_session(SessionCall("sid-unknown"), deps=office.deps)
    await office.operators.disable(member.operator.id)
    with pytest.raises(UnauthorizedError):  # a disabled operator's session no longer works
        await staff.operator_of_session(changing, deps=office.deps)


async def test_bearer_tokens_name_active_operators_only(office: Office) -> None:
    member = await enrolled(office)
    assert await staff.operator_of_token(member.token, deps=office.deps) == member.operator
    with pytest.raises(UnauthorizedError):
        await staff.operator_of_token(member.token + "x", deps=office.deps)
    await staff.disable_operator(member.operator.id, deps=office.deps)
    with pytest.raises(UnauthorizedError):
        await staff.operator_of_token(member.token, deps=office.deps)


async def test_sign_out_needs_the_token_and_ends_only_that_session(office: Office) -> None:
    member = await enrolled(office)
    first = await staff.sign_in_staff(sign_in(member, code_at(member, NOW)), deps=office.deps)
    office.clock.now = NOW + timedelta(seconds=30)
    second = await staff.sign_in_staff(
        sign_in(member, code_at(member, office.clock())), deps=office.deps
    )
    with pytest.raises(CsrfError):
        await staff.sign_out_staff(SessionCall(first.session_id, "forged"), deps=office.deps)
    call = SessionCall(first.session_id, first.session.csrf_token, changes_state=True)
    await staff.sign_out_staff(call, deps=office.deps)
    assert list(office.sessions.live) == [second.session_id]
    # Signed out already, or no cookie at all: nothing to end, no error.
    await staff.sign_out_staff(call, deps=office.deps)
    await staff.sign_out_staff(SessionCall(None), deps=office.deps)


async def test_enrolment_suffixes_a_default_login_and_refuses_a_chosen_one(
    office: Office,
) -> None:
    first = await enrolled(office)
    assert first.enrolment.login == "levancuong.4802"
    assert first.enrolment.password not in str(office.credentials.by_id)
    twin = await enrolled(office)  # two people of one office share a name
    assert twin.enrolment.login.startswith("levancuong.4802-")
    assert twin.operator.id != first.operator.id
    chosen = EnrolOperator("Lê Văn Cường", "4802", "levancuong.4802", chosen=True)
    with pytest.raises(LoginTakenError):
        await staff.enrol_operator(chosen, deps=office.deps)
    listed = await staff.list_operators(deps=office.deps)
    assert [doc["_id"] for doc in listed] == [first.operator.id, twin.operator.id]


# --- the composition root and the HTTP edge ------------------------------------------------------


def fake_review(office: Office) -> httpx.AsyncClient:
    settings = ReviewSettings(secret_key="s" * 40)
    api = create_app(
        settings,
        clock=office.clock,
        operators=office.operators,
        staff_credentials=office.credentials,
        staff_sessions=office.sessions,
        staff_attempts=office.attempts,
        cases=FakeCases(),
        images=FakeImages(),
    )
    app = api.state.review
    # The staff use cases get what bootstrap was given, the bearer path included.
    assert app.staff.operators is office.operators is app.operators
    assert app.staff.credentials is office.credentials
    assert app.staff.clock is office.clock
    transport = httpx.ASGITransport(app=api, client=(CLIENT, 40000))
    return httpx.AsyncClient(transport=transport, base_url="https://review.test")


async def test_the_staff_routes_run_on_bootstraps_fakes(office: Office) -> None:
    member = await enrolled(office)
    body = {
        "login": member.enrolment.login,
        "password": member.enrolment.password,
        "code": code_at(member, NOW),
    }
    async with fake_review(office) as review:
        answer = await review.post("/v1/staff/session", json=body)
        assert answer.status_code == 200, answer.text
        assert answer.headers["cache-control"] == "no-store"
        cookie = answer.headers["set-cookie"]
        name, _, rest = cookie.partition("=")
        assert name == "__Host-vssid_staff"
        attributes = {a.strip().lower() for a in rest.split(";")[1:]}
        assert {"httponly", "secure", "samesite=strict", "path=/", "max-age=43200"} <= attributes
        csrf = answer.json()["csrf_token"]
        assert answer.json() == {
            "operator": {"id": member.operator.id, "name": "Lê Văn Cường", "agency_code": "4802"},
            "csrf_token": csrf,
            "idle_timeout_seconds": 1800,
        }
        sid = cookie.split(";")[0].split("=", 1)[1]
        jar = {"Cookie": f"__Host-vssid_staff={sid}"}
        assert (await review.get("/v1/staff/session", headers=jar)).json()["csrf_token"] == csrf
        forged = await review.delete("/v1/staff/session", headers=jar)
        assert forged.status_code == 403
        assert forged.json()["detail"][0]["code"] == "csrf_failed"
        out = await review.delete("/v1/staff/session", headers={**jar, "X-CSRF-Token": csrf})
        assert out.status_code == 204
        assert "max-age=0" in out.headers["set-cookie"].lower()
        assert (await review.get("/v1/staff/session", headers=jar)).status_code == 401
        # The fake operators' bearer tokens reach the use cases through the same app (no such
        # case here); another scheme, or a cookie beside a header, is not a bearer.
        path = "/v1/review/declarations/no-such-case/verify"
        bearer = {"Authorization": f"Bearer {member.token}"}
        assert (await review.post(path, json={}, headers=bearer)).status_code == 404
        basic = {"Authorization": f"Basic {member.token}"}
        assert (await review.post(path, json={}, headers=basic)).status_code == 401


def test_bootstrap_refuses_the_old_staff_override() -> None:
    with pytest.raises(TypeError, match="unknown overrides"):
        bootstrap(ReviewSettings(secret_key="s" * 40), staff=object())
