"""Issue 17's leftovers in headless Chromium: messages on screen follow a language switch, the
applicant's camera refused (the photo choice still fills the form), a foreign QR at the staff
counter (a clear message, nothing opened), the staff queue's server-side filters on a real split
of clean and warned cases, and a live case judged by those filters."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By

from tests.e2e import test_review_page as page
from tests.e2e.conftest import System
from tests.e2e.test_app_locales import no_script_errors, text_of
from tests.e2e.test_applicant_app import fake_camera_chromium
from tests.e2e.test_review_page import browser, button, message_is, wait_until
from tests.e2e.test_review_page import queue_row as row
from tests.e2e.test_review_queue_filters import open_case, open_clean
from tests.support import applicant as a
from tests.support import staff
from tests.support.axe import violations
from tests.support.camera import qr_frame, write_y4m
from tests.support.cards import render_card_photo

__all__ = ["browser"]
pytestmark = page.pytestmark

REFUSED_VI = "Không mở được camera; hãy cho phép truy cập camera hoặc chọn ảnh."
REFUSED_EN = "The camera could not be opened; allow camera access or choose a photo."


@pytest.fixture
def refusing_camera(system: System, tmp_path: Path) -> Iterator[WebDriver]:
    """Chromium with a camera whose use the person refused (camera permission denied)."""
    options = Options()
    options.binary_location = str(page.CHROMIUM)
    for flag in (*page.FLAGS, "--use-fake-device-for-media-stream"):
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'refusing-profile'}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(
        service=Service(executable_path=str(page.CHROMEDRIVER)), options=options
    )
    denied = {"permission": {"name": "camera"}, "setting": "denied"}
    driver.execute_cdp_cmd("Browser.setPermission", {**denied, "origin": system.intake_url})
    try:
        yield driver
    finally:
        driver.quit()


def test_camera_refused_then_a_photo_fills_the_form(
    system: System, refusing_camera: WebDriver, tmp_path: Path
) -> None:
    browser = refusing_camera
    browser.set_window_size(390, 844)
    browser.get(system.intake_url + "/app/")
    wait_until(browser, "step 1", lambda d: d.find_element(By.ID, "new").is_displayed())
    button(browser, "Đăng ký tài khoản").click()
    wait_until(browser, "step 2", lambda d: d.find_element(By.ID, "step-info").is_displayed())
    state = browser.execute_async_script(
        "const done = arguments[0];"
        "navigator.permissions.query({name: 'camera'}).then((p) => done(p.state));"
    )
    assert state == "denied"
    button(browser, "Quét mã QR bằng camera").click()
    wait_until(browser, "the refusal", lambda d: text_of(d, "qr-msg") == REFUSED_VI)
    assert not browser.find_element(By.ID, "video").is_displayed()
    assert browser.find_element(By.ID, "camera").is_displayed()  # may be tried again
    assert violations(browser) == []

    # The message already on screen follows the language, both ways.
    button(browser, "English").click()
    wait_until(browser, "the refusal in English", lambda d: text_of(d, "qr-msg") == REFUSED_EN)
    button(browser, "Tiếng Việt").click()
    wait_until(browser, "and back", lambda d: text_of(d, "qr-msg") == REFUSED_VI)

    # The fallback: a photo of the card chosen instead.
    photo = tmp_path / "cccd.jpg"
    photo.write_bytes(render_card_photo(a.BAO_QR, "clean", 1))
    browser.find_element(By.ID, "qr-file").send_keys(str(photo))
    wait_until(browser, "the fields filled", lambda d: "Đã điền số CCCD" in text_of(d, "qr-msg"))
    number = browser.find_element(By.ID, "f-id_document-number").get_attribute("value")
    assert number == "048090900101"
    no_script_errors(browser)


@pytest.fixture
def foreign_qr_camera(tmp_path: Path) -> Iterator[WebDriver]:
    """The office webcam sees a QR code that is no reference of ours (an advert's link)."""
    video = write_y4m(tmp_path / "foreign.y4m", qr_frame("https://example.com/khuyen-mai?id=4802"))
    driver = fake_camera_chromium(video, tmp_path / "foreign-profile")
    try:
        yield driver
    finally:
        driver.quit()


def test_counter_scan_of_a_foreign_qr_opens_nothing(
    system: System, foreign_qr_camera: WebDriver
) -> None:
    browser = foreign_qr_camera
    browser.set_window_size(1440, 900)
    staff.sign_in_page(browser, system.review_url, staff.enrol(system, "4802", "Phan Văn Lộc"))
    browser.find_element(By.ID, "scan").click()
    refused = "Mã QR này không chứa mã hồ sơ."
    wait_until(browser, "the foreign code named", lambda d: text_of(d, "scan-msg") == refused)
    assert text_of(browser, "case") == "Chọn một hồ sơ trong hàng chờ."  # nothing opened
    assert browser.find_element(By.ID, "scan-stop").is_displayed()  # still scanning
    assert violations(browser) == []
    button(browser, "English").click()
    english = "This QR code holds no file reference."
    wait_until(browser, "the message in English", lambda d: text_of(d, "scan-msg") == english)
    assert text_of(browser, "case") == "Choose a file in the queue."
    button(browser, "Stop scanning").click()
    assert not browser.find_element(By.ID, "scan-video").is_displayed()
    no_script_errors(browser)


def shown_is(text: str) -> Callable[[WebDriver], bool]:
    return lambda d: text_of(d, "shown") == text


def test_queue_filters_are_the_servers(system: System, browser: WebDriver, tmp_path: Path) -> None:
    """Counts come from X-Total-Count of the filtered queue, not from the rows loaded."""
    clean = open_clean(system, tmp_path)
    warned = open_case(system, a.unique_bao(), None)
    browser.set_window_size(1440, 900)
    staff.sign_in_page(browser, system.review_url, staff.enrol(system, "4802", "Trịnh Thị Hà"))
    wait_until(browser, "both cases", shown_is("Đang hiện 2 / 2 hồ sơ"))
    assert text_of(browser, "queue").index(clean) < text_of(browser, "queue").index(warned)
    browser.find_element(By.ID, "only-findings").click()
    wait_until(browser, "the warned one", shown_is("Đang hiện 1 / 1 hồ sơ"))
    assert warned in text_of(browser, "queue")
    assert clean not in text_of(browser, "queue")
    # Both are due in 30 days, none within 5: the count is the filtered queue's, 0 (a filter
    # of the rows loaded would say "0 / 1").
    browser.find_element(By.ID, "only-due").click()
    wait_until(browser, "none due", shown_is("Đang hiện 0 / 0 hồ sơ"))
    browser.find_element(By.ID, "only-due").click()
    wait_until(browser, "the warned one again", shown_is("Đang hiện 1 / 1 hồ sơ"))
    browser.find_element(By.ID, "only-findings").click()
    wait_until(browser, "both again", shown_is("Đang hiện 2 / 2 hồ sơ"))

    # A decision's message follows a language switch (the case is drawn again in English).
    browser.find_element(By.CSS_SELECTOR, "#queue button").click()
    wait_until(browser, f"case {clean}", page.case_shows(clean, "Nguyễn Văn Bảo"))
    browser.find_element(By.ID, "verify").click()
    button(browser, "Xác nhận").click()
    wait_until(browser, "'Đã xác minh.'", message_is("Đã xác minh."))
    button(browser, "English").click()
    wait_until(browser, "'Verified.'", message_is("Verified."))
    wait_until(browser, "the count in English", shown_is("Showing 1 / 1 files"))
    no_script_errors(browser)


def test_live_case_under_the_findings_filter(
    system: System, browser: WebDriver, tmp_path: Path
) -> None:
    """With "Chỉ hồ sơ có cảnh báo" on, a case opened meanwhile joins the queue if it has
    warnings and stays out if it has none (the feed carries no findings count: the page asks
    the server for the new case's row under its filters)."""
    browser.set_window_size(1440, 900)
    member = staff.enrol(system, "4802", "Đỗ Văn Nam")
    before = warned_total(system, member.token)
    staff.sign_in_page(browser, system.review_url, member)
    browser.find_element(By.ID, "only-findings").click()
    wait_until(browser, "the warned queue", shown_is(f"Đang hiện {before} / {before} hồ sơ"))
    clean = open_clean(system, tmp_path)
    warned = open_case(system, a.unique_bao(), None)
    # The feed names both (so the page has seen both events), the queue only the warned one;
    # rows are applied in the feed's order, so the clean case's answer came first.
    for reference in (clean, warned):
        wait_until(browser, f"{reference} in the feed", in_feed(reference))
    wait_until(
        browser, f"a live row for {warned}", lambda d: d.find_elements(By.XPATH, row(warned))
    )
    after = before + 1
    wait_until(browser, "one more", shown_is(f"Đang hiện {after} / {after} hồ sơ"))
    assert not browser.find_elements(By.XPATH, row(clean))
    assert "cảnh báo" in browser.find_element(By.XPATH, row(warned)).text  # its count shown
    # Without the filter, the server's queue has the clean one as well.
    browser.find_element(By.ID, "only-findings").click()
    wait_until(browser, f"{clean} unfiltered", lambda d: d.find_elements(By.XPATH, row(clean)))
    assert "cảnh báo" not in browser.find_element(By.XPATH, row(clean)).text
    no_script_errors(browser)


def in_feed(reference: str) -> Callable[[WebDriver], bool]:
    line = f"Chờ đối chiếu tại quầy \u2013 hồ sơ {reference}"
    return lambda d: line in text_of(d, "events")


def warned_total(system: System, token: str) -> int:
    """How many open cases of the agency have findings (the page opens on the open ones), by
    the API (`X-Total-Count`)."""
    answer = httpx.get(
        f"{system.review_url}/v1/review/queue",
        params={"status": "awaiting_verification", "with_findings": "true"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return int(answer.headers["X-Total-Count"])
