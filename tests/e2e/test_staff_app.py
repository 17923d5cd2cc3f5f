"""The staff app at review `/`, in headless Chromium, on a phone-sized and a desktop viewport.

A clerk signs in with the keyboard alone (login, password, TOTP code), finds a submitted
declaration by searching its ID number, opens it from the queue with Enter, sees the typed
and QR values side by side and the deadline as dd/mm/yyyy, picks a reason template, then
verifies after a confirmation; the event feed says what happened in words; sign-out returns to
the form. axe-core finds no serious or critical violation on any screen; screenshots of every
screen are saved under the folder the test prints (VSSID_SCREENSHOTS, else pytest's tmp dir).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import httpx
import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.e2e import test_review_page as page
from tests.e2e.conftest import System
from tests.e2e.test_review_page import browser, button, console, message_is, wait_until
from tests.support import applicant as a
from tests.support import staff
from tests.support.axe import violations

__all__ = ["browser"]  # the fixture, shared with the page's other tests
pytestmark = page.pytestmark  # e2e, and skipped without Chromium

VIEWPORTS = {"phone": (390, 844), "desktop": (1440, 900)}
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
RAW_CODES = ("awaiting_verification", "copy_mailed", "account_activated")


def shots_dir(tmp_path: Path, name: str) -> Path:
    root = Path(os.environ.get("VSSID_SCREENSHOTS", tmp_path / "screenshots"))
    folder = root / f"staff-{name}"
    folder.mkdir(parents=True, exist_ok=True)
    print(f"screenshots: {folder}")
    return folder


def screen(browser: WebDriver, folder: Path, name: str) -> None:
    """One screen: saved as a screenshot, then scanned by axe-core."""
    assert browser.save_screenshot(str(folder / f"{name}.png"))
    blocking = violations(browser)
    assert blocking == [], f"{name}: {blocking}"


def keys(browser: WebDriver, *typed: str) -> None:
    """Types into whatever has the focus, as a keyboard does."""
    browser.switch_to.active_element.send_keys(*typed)


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_clerk_works_a_case_with_the_keyboard(
    system: System, browser: WebDriver, tmp_path: Path, viewport: str
) -> None:
    folder = shots_dir(tmp_path, viewport)
    browser.set_window_size(*VIEWPORTS[viewport])
    fields = a.unique_bao()
    with httpx.Client(base_url=system.intake_url, timeout=30) as intake:
        declaration_id, access_token = a.create_draft(intake, fields)
        # Photos a clerk would accept (the screenshots show them); the unregistered number
        # still draws one finding, shown in Vietnamese.
        a.upload_images(intake, declaration_id, access_token, a.BAO_QR, a.clean_photos())
        reference = a.submit(intake, declaration_id, access_token)
        a.wait_for_status(intake, declaration_id, access_token, "awaiting_verification")
    member = staff.enrol(system, "4802", "Hoàng Thị Mai")

    browser.get(system.review_url + "/")
    wait_until(browser, "the sign-in form", lambda d: d.find_element(By.ID, "login").is_displayed())
    assert not browser.find_element(By.ID, "work").is_displayed()
    screen(browser, folder, "1-sign-in")
    browser.find_element(By.ID, "login").click()
    keys(browser, member.login, Keys.TAB, member.password, Keys.TAB, member.code(), Keys.ENTER)
    wait_until(browser, "the queue", lambda d: d.find_element(By.ID, "work").is_displayed())
    assert "Hoàng Thị Mai" in browser.find_element(By.ID, "who").text

    # Search by ID number (compared by keyed hash server-side), then open the row with Enter.
    browser.find_element(By.ID, "q").click()
    keys(browser, fields["id_document"]["number"], Keys.ENTER)
    row = f"//tbody[@id='queue']/tr[td[1][normalize-space()='{reference}']]//button"
    wait_until(browser, "the one match", lambda d: "1 / 1" in d.find_element(By.ID, "shown").text)
    screen(browser, folder, "2-queue")
    wait_until(browser, f"row {reference}", lambda d: d.find_elements(By.XPATH, row))
    browser.find_element(By.XPATH, row).send_keys(Keys.ENTER)
    wait_until(browser, f"case {reference}", page.case_shows(reference, "Nguyễn Văn Bảo"))
    wait_until(browser, "three images", lambda d: d.execute_script(page.IMAGES_LOADED))
    view = browser.find_element(By.ID, "case").text
    assert "Người nộp khai" in view
    assert "Mã QR trên thẻ" in view
    assert "15/03/1990" in view  # the birth date, typed and from the QR, as dd/mm/yyyy
    assert not ISO_DATE.search(view), view
    screen(browser, folder, "3-case")

    # Zoom and rotate an image from the keyboard.
    zoom = browser.find_element(By.CSS_SELECTOR, "#imgs figure button[aria-pressed]")
    zoom.send_keys(Keys.ENTER)
    assert zoom.get_attribute("aria-pressed") == "true"

    template = browser.find_element(By.ID, "reason-template")
    template.send_keys(Keys.ARROW_DOWN)
    assert browser.find_element(By.ID, "note").get_attribute("value")
    browser.find_element(By.ID, "note").clear()
    browser.find_element(By.ID, "note").send_keys("Đã đối chiếu CCCD bản gốc.")
    browser.find_element(By.ID, "verify").send_keys(Keys.ENTER)
    wait_until(browser, "the confirmation", lambda d: d.find_elements(By.ID, "confirm-yes"))
    assert reference in browser.find_element(By.ID, "confirm").text
    screen(browser, folder, "4-confirm")
    keys(browser, Keys.ENTER)  # the focus is on "Xác nhận"
    wait_until(browser, "'Đã xác minh.'", message_is("Đã xác minh."))
    wait_until(
        browser,
        "the feed in words",
        lambda d: f"Đã xác minh \u2013 hồ sơ {reference}" in d.find_element(By.ID, "events").text,
    )
    feed = browser.find_element(By.ID, "events").text
    assert not any(code in feed for code in RAW_CODES), feed
    screen(browser, folder, "5-verified")

    button(browser, "Đăng xuất").click()
    wait_until(browser, "the form again", lambda d: d.find_element(By.ID, "login").is_displayed())
    assert browser.find_element(By.ID, "signin-msg").text == "Đã đăng xuất."
    logged = console(browser)
    assert [e for e in logged if e.get("source") == "javascript"] == []
    assert [e for e in logged if "Content Security Policy" in str(e.get("message"))] == []
