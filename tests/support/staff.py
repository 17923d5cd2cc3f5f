"""A staff member enrolled by `vssid operators add`, and signing in as the browser does."""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
import pyotp
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.e2e.conftest import System


@dataclass(frozen=True)
class StaffMember:
    id: str
    login: str
    password: str
    totp_secret: str
    otpauth_uri: str
    token: str

    def code(self) -> str:
        return pyotp.TOTP(self.totp_secret).now()


def enrol(system: System, agency: str, name: str, login: str | None = None) -> StaffMember:
    args = ["operators", "add", "--agency", agency, "--name", name]
    out = system.cli(*args, *(["--login", login] if login else []))

    def after(label: str) -> str:
        found = re.search(rf"^{re.escape(label)}: (\S+)$", out, re.MULTILINE)
        assert found, out
        return found.group(1)

    found_id = re.search(r"\(id ([0-9a-f-]{36})\)", out)
    assert found_id, out
    return StaffMember(
        id=found_id.group(1),
        login=after("Đăng nhập trang cán bộ"),
        password=after("Mật khẩu"),
        totp_secret=after("Khoá TOTP (ứng dụng xác thực)"),
        otpauth_uri=after("otpauth URI"),
        token=out.splitlines()[-1],
    )


def sign_in(review: httpx.Client, member: StaffMember, code: str | None = None) -> httpx.Response:
    body = {"login": member.login, "password": member.password, "code": code or member.code()}
    return review.post("/v1/staff/session", json=body)


def session_cookie(answer: httpx.Response) -> str:
    """`name=value` of the session cookie the answer set (sent back by hand: httpx, unlike a
    browser, never sends a Secure cookie to http://127.0.0.1)."""
    for header in answer.headers.get_list("set-cookie"):
        if header.startswith("__Host-vssid_staff="):
            return header.split(";", 1)[0]
    raise AssertionError(answer.headers)


def sign_in_page(browser: WebDriver, review_url: str, member: StaffMember) -> None:
    """Signs in on the staff app's form, as a clerk types it; returns once the queue shows."""
    browser.get(review_url + "/")
    WebDriverWait(browser, 30).until(lambda d: d.find_element(By.ID, "login").is_displayed())
    browser.find_element(By.ID, "login").send_keys(member.login)
    browser.find_element(By.ID, "password").send_keys(member.password)
    browser.find_element(By.ID, "code").send_keys(member.code())
    browser.find_element(
        By.XPATH, "//form[@id='signin']//button[normalize-space()='Đăng nhập']"
    ).click()
    WebDriverWait(browser, 30).until(lambda d: d.find_element(By.ID, "work").is_displayed())
