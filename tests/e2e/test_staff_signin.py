"""Staff sign in as people (issue 16 item 5): password + TOTP, session cookie, CSRF, limits.

Against the running services: `vssid operators add` enrols, review answers the browser's
sign-in, the cookie then works for the queue and the event stream, a state-changing request
needs the session's CSRF token, sign-out ends the session, failed sign-ins are limited, and
bearer tokens keep working for API clients.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import httpx
import pyotp
import pytest

from tests.e2e.conftest import System
from tests.support.staff import enrol, session_cookie, sign_in

pytestmark = pytest.mark.e2e


def codes(answer: httpx.Response) -> list[str]:
    return [d["code"] for d in answer.json()["detail"]]


def test_enrolment_prints_password_totp_uri_then_token(system: System) -> None:
    member = enrol(system, "4802", "Trần Thị Đào")
    assert member.login == "tranthidao.4802"
    assert len(member.password) >= 16
    uri = urlparse(member.otpauth_uri)
    assert uri.scheme == "otpauth"
    assert uri.netloc == "totp"
    assert parse_qs(uri.query)["secret"] == [member.totp_secret]
    assert parse_qs(uri.query)["issuer"] == ["VssID BHXH"]
    # Nothing usable is stored in clear: the operators collection holds hashes and ciphertext.
    listed = system.cli("operators", "list")
    assert member.password not in listed
    assert member.totp_secret not in listed


def test_sign_in_cookie_csrf_and_sign_out(system: System) -> None:
    member = enrol(system, "4802", "Lê Văn Cường")
    with httpx.Client(base_url=system.review_url, timeout=30) as review:
        answer = sign_in(review, member)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["operator"]["agency_code"] == "4802"
        assert body["operator"]["name"] == "Lê Văn Cường"
        csrf = body["csrf_token"]
        set_cookie = answer.headers["set-cookie"]
        attributes = {a.strip().lower() for a in set_cookie.split(";")[1:]}
        assert {"httponly", "secure", "samesite=strict", "path=/"} <= attributes, set_cookie
        assert not any(a.startswith("domain=") for a in attributes)
        cookie = {"Cookie": session_cookie(answer)}

        # The cookie reads the queue, the event stream and who is signed in.
        assert review.get("/v1/review/queue", headers=cookie).status_code == 200
        me = review.get("/v1/staff/session", headers=cookie)
        assert me.status_code == 200
        assert me.json()["csrf_token"] == csrf
        with review.stream("GET", "/v1/review/events?since=now", headers=cookie) as stream:
            assert stream.status_code == 200

        # A state-changing request with the cookie alone (a forged form) is refused; with the
        # session's token it reaches the use case (here: no such case).
        path = "/v1/review/declarations/no-such-case/verify"
        forged = review.post(path, json={}, headers=cookie)
        assert forged.status_code == 403
        assert codes(forged) == ["csrf_failed"]
        wrong = review.post(path, json={}, headers={**cookie, "X-CSRF-Token": csrf[:-1] + "x"})
        assert wrong.status_code == 403
        real = review.post(path, json={}, headers={**cookie, "X-CSRF-Token": csrf})
        assert real.status_code == 404, real.text

        # Sign-out needs the token too, then the cookie is worth nothing.
        assert review.delete("/v1/staff/session", headers=cookie).status_code == 403
        out = review.delete("/v1/staff/session", headers={**cookie, "X-CSRF-Token": csrf})
        assert out.status_code == 204
        assert "max-age=0" in out.headers["set-cookie"].lower()
        assert review.get("/v1/review/queue", headers=cookie).status_code == 401
        assert review.get("/v1/staff/session", headers=cookie).status_code == 401

        # Bearer tokens still serve API clients, without any CSRF token.
        bearer = {"Authorization": f"Bearer {member.token}"}
        assert review.get("/v1/review/queue", headers=bearer).status_code == 200
        assert review.post(path, json={}, headers=bearer).status_code == 404


def test_wrong_parts_and_a_replayed_code_are_refused_alike(system: System) -> None:
    member = enrol(system, "4802", "Phạm Thị Ngọc")
    with httpx.Client(base_url=system.review_url, timeout=30) as review:
        totp = pyotp.TOTP(member.totp_secret)
        bad_code = f"{(int(totp.now()) + 1) % 1_000_000:06d}"
        attempts = [
            {"login": member.login, "password": member.password, "code": bad_code},
            {"login": member.login, "password": member.password + "x", "code": totp.now()},
            {"login": "nobody.4802", "password": member.password, "code": totp.now()},
        ]
        for body in attempts:
            answer = review.post("/v1/staff/session", json=body)
            assert answer.status_code == 401, body
            assert codes(answer) == ["signin_failed"], body
            assert answer.json()["detail"][0]["message"] == (
                "Tên đăng nhập, mật khẩu hoặc mã xác thực không đúng."
            )
        code = totp.now()
        first = sign_in(review, member, code)
        assert first.status_code == 200, first.text
        # The same code again (seen over a shoulder, or replayed): refused.
        assert sign_in(review, member, code).status_code == 401


def test_failed_sign_ins_are_limited_then_refused_before_checking(system: System) -> None:
    member = enrol(system, "4802", "Võ Minh Khoa")
    with httpx.Client(base_url=system.review_url, timeout=30) as review:
        body = {"login": member.login, "password": "wrong-password", "code": "000000"}
        statuses = [review.post("/v1/staff/session", json=body).status_code for _ in range(5)]
        assert statuses == [401] * 5
        locked = review.post("/v1/staff/session", json=body)
        assert locked.status_code == 429
        assert codes(locked) == ["too_many_attempts"]
        assert int(locked.headers["Retry-After"]) > 0
        # Even the right password and code now wait: the guesser learns nothing more.
        assert sign_in(review, member).status_code == 429
