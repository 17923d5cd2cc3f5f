"""The office staff's page at review `GET /`, driven by clicks in Debian's headless Chromium.

Selenium is pointed at /usr/bin/chromium and /usr/bin/chromedriver (`make test` installs the
`chromium` and `chromium-driver` packages), so Selenium Manager never downloads anything; every
host but 127.0.0.1 is unresolvable to the browser.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.e2e.conftest import System
from tests.support import applicant as a
from tests.support import staff

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1600,1000",
    "--lang=vi",
    "--accept-lang=vi",  # navigator.language in headless (the apps default to it when "en")
    # Keep the browser off the network: only 127.0.0.1 resolves.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
)
WAIT = 30.0
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
IMAGES_LOADED = """
const imgs = Array.from(document.querySelectorAll("#imgs img"));
return imgs.length === 3 && imgs.every((i) => i.complete && i.naturalWidth > 0);
"""

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()),
        reason=f"needs {CHROMIUM} and {CHROMEDRIVER}: "
        "apt-get install chromium chromium-driver (make test installs them)",
    ),
]

T = TypeVar("T")


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'profile'}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # An explicit driver path: Selenium Manager is skipped and nothing is downloaded.
    service = Service(
        executable_path=str(CHROMEDRIVER), log_output=str(tmp_path / "chromedriver.log")
    )
    driver = webdriver.Chrome(service=service, options=options)
    try:
        yield driver
    finally:
        driver.quit()


def console(driver: WebDriver) -> list[dict[str, Any]]:
    """The browser's console since the last call (selenium leaves `get_log` untyped)."""
    get_log: Callable[[str], list[dict[str, Any]]] = driver.get_log
    return get_log("browser")


def wait_until(driver: WebDriver, what: str, condition: Callable[[WebDriver], T]) -> T:
    """WebDriverWait, failing with what the page showed and what the console said."""
    try:
        return WebDriverWait(
            driver, WAIT, ignored_exceptions=(StaleElementReferenceException,)
        ).until(condition)
    except TimeoutException:
        body = driver.find_element(By.TAG_NAME, "body").text
        raise AssertionError(
            f"timed out waiting for {what}\n--- page ---\n{body}\n--- console ---\n"
            + "\n".join(str(e) for e in console(driver))
        ) from None


def queue_row(reference: str) -> str:
    return f"//tbody[@id='queue']/tr[td[1][normalize-space()='{reference}']]"


def click_queue_row(reference: str) -> Callable[[WebDriver], bool]:
    """Clicks the queue row of `reference`; live events may redraw the queue, so it retries."""

    def attempt(driver: WebDriver) -> bool:
        rows = driver.find_elements(By.XPATH, queue_row(reference))
        if not rows:
            return False
        rows[0].click()
        return True

    return attempt


def case_shows(reference: str, name: str) -> Callable[[WebDriver], bool]:
    def shown(driver: WebDriver) -> bool:
        view = driver.find_element(By.ID, "case")
        heading = view.find_elements(By.TAG_NAME, "h2")
        return bool(heading) and reference in heading[0].text and name in view.text

    return shown


def message_is(text: str) -> Callable[[WebDriver], bool]:
    def shown(driver: WebDriver) -> bool:
        found = driver.find_elements(By.ID, "msg")
        return bool(found) and found[0].text.strip() == text

    return shown


def button(driver: WebDriver, label: str) -> Any:
    return driver.find_element(By.XPATH, f"//button[normalize-space()='{label}']")


def test_clerk_verifies_a_case_by_clicking(
    system: System, browser: WebDriver, tmp_path: Path
) -> None:
    applicant_fields = a.unique_bao()
    with httpx.Client(base_url=system.intake_url, timeout=30) as intake:
        declaration_id, access_token = a.create_draft(intake, applicant_fields)
        a.upload_images(intake, declaration_id, access_token, a.BAO_QR)
        reference = a.submit(intake, declaration_id, access_token)
        a.wait_for_status(intake, declaration_id, access_token, "awaiting_verification")

        member = staff.enrol(system, "4802", "Nguyễn Văn B")
        staff.sign_in_page(browser, system.review_url, member)
        assert "BHXH" in browser.title

        wait_until(browser, f"queue row {reference}", click_queue_row(reference))
        wait_until(browser, f"case view of {reference}", case_shows(reference, "Nguyễn Văn Bảo"))
        wait_until(browser, "three images", lambda d: d.execute_script(IMAGES_LOADED))
        heading = browser.find_element(By.CSS_SELECTOR, "#case h2").text
        assert "Chờ xác minh" in heading, heading

        screenshot = tmp_path / "case.png"
        assert browser.save_screenshot(str(screenshot))
        data = screenshot.read_bytes()
        assert data.startswith(PNG_MAGIC)
        assert len(data) > len(PNG_MAGIC)

        browser.find_element(By.ID, "note").send_keys("Đã đối chiếu CCCD bản gốc tại quầy.")
        button(browser, "Xác minh").click()
        button(browser, "Xác nhận").click()
        wait_until(browser, "the message 'Đã xác minh.'", message_is("Đã xác minh."))
        wait_until(
            browser,
            "the case heading to say verified",
            lambda d: "Đã xác minh" in d.find_element(By.CSS_SELECTOR, "#case h2").text,
        )
        wait_until(
            browser,
            "the row to leave the open queue",
            lambda d: d.find_elements(By.XPATH, queue_row(reference)) == [],
        )

        a.wait_for_status(intake, declaration_id, access_token, "verified")

    logged = console(browser)
    script_errors = [e for e in logged if e.get("source") == "javascript"]
    assert script_errors == [], script_errors
    # The page runs under a strict CSP: anything it blocked would be logged here.
    blocked = [e for e in logged if "Content Security Policy" in str(e.get("message"))]
    assert blocked == [], blocked
