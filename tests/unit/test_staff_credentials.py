"""Staff sign-in rules without I/O: default logins, TOTP steps, password checks, cookie setting."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import pyotp
import pytest
from pydantic import ValidationError

from vssid_review.domain.staff_credentials import (
    LOGIN,
    Enrolment,
    check_password,
    default_login,
    new_password,
    totp_step,
)
from vssid_review.settings import ReviewSettings

NOW = datetime(2026, 12, 1, 8, 0, 0, tzinfo=UTC)
SECRET = pyotp.random_base32()


def test_default_login_drops_accents_and_keeps_the_agency() -> None:
    assert default_login("Nguyễn Văn B", "4802") == "nguyenvanb.4802"
    assert default_login("Đặng Thị Đào", "4802") == "dangthidao.4802"
    assert LOGIN.match(default_login("Đặng Thị Đào", "4802"))
    assert not LOGIN.match("abc\n")
    assert not LOGIN.match("\ud800abc")


def test_totp_accepts_this_step_and_the_previous_once() -> None:
    totp = pyotp.TOTP(SECRET)
    step = int(NOW.timestamp()) // 30
    assert totp_step(SECRET, totp.at(NOW), NOW, None) == step
    assert totp_step(SECRET, totp.at(step * 30 - 30), NOW, None) == step - 1
    assert totp_step(SECRET, totp.at(step * 30 - 60), NOW, None) is None  # too old
    assert totp_step(SECRET, totp.at(NOW), NOW, step) is None  # already used
    arabic = totp.at(NOW).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert totp_step(SECRET, arabic, NOW, None) is None
    assert totp_step(SECRET, "12345", NOW, None) is None


def test_passwords_and_the_otpauth_uri() -> None:
    password = new_password()
    assert len(password) == 16
    enrolment = Enrolment("a.4802", password, SECRET)
    assert enrolment.otpauth_uri.startswith("otpauth://totp/VssID%20BHXH:a.4802?secret=")
    assert not check_password(None, password)
    assert not check_password("not-a-hash", password)


def test_insecure_cookie_only_for_loopback_dev() -> None:
    assert ReviewSettings().staff_cookie_secure is True
    assert ReviewSettings(staff_cookie_secure=False).staff_cookie_secure is False
    with pytest.raises(ValidationError, match="VSSID_STAFF_COOKIE_SECURE"):
        ReviewSettings(staff_cookie_secure=False, host="0.0.0.0")
    strong = secrets.token_urlsafe(48)
    assert ReviewSettings(env="prod", secret_key=strong).staff_cookie_secure is True
    with pytest.raises(ValidationError, match="VSSID_STAFF_COOKIE_SECURE"):
        ReviewSettings(staff_cookie_secure=False, env="prod", secret_key=strong)
