"""The applicant app at intake `/app/`, then the clerk's verification, in headless Chromium.

On a phone-sized viewport an applicant starts a declaration, fills the CCCD fields by
choosing a photo of the card (sent to `/v1/qr/decode`), types the rest, sees the API's
Vietnamese message next to a wrong phone number, uploads the three photos (generated card
photos), finds agency 4802 by its code, ticks "Gửi email tờ khai", reviews, goes back with
"Quay lại", sends and gets the success screen with the reference and the office's phone. A clerk
then verifies the case in the staff app, and the applicant's status screen says so. Every
screen is saved as a screenshot (folder printed) and scanned by axe-core.
"""

from __future__ import annotations

import json
import os
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
from tests.e2e.test_review_page import browser, button, console, message_is, wait_until
from tests.support import applicant as a
from tests.support import staff
from tests.support.axe import violations
from tests.support.camera import qr_frame, write_y4m
from tests.support.cards import render_card_photo

__all__ = ["browser"]
pytestmark = page.pytestmark


def screen(browser: WebDriver, folder: Path, name: str) -> None:
    assert browser.save_screenshot(str(folder / f"{name}.png"))
    blocking = violations(browser)
    assert blocking == [], f"{name}: {blocking}"


def text_of(browser: WebDriver, element_id: str) -> str:
    return str(browser.find_element(By.ID, element_id).text)


def uploaded(kind: str) -> Callable[[WebDriver], bool]:
    return lambda d: "Đã tải lên" in text_of(d, f"state-{kind}")


def test_applicant_declares_then_clerk_verifies(
    system: System, browser: WebDriver, tmp_path: Path
) -> None:
    folder = Path(os.environ.get("VSSID_SCREENSHOTS", tmp_path / "screenshots")) / "applicant"
    folder.mkdir(parents=True, exist_ok=True)
    print(f"screenshots: {folder}")
    photos = {
        "portrait": a.portrait_jpeg(),
        "id_front": render_card_photo(a.BAO_QR, "clean", 1),
        "id_back": render_card_photo(a.BAO_QR, "phone", 2),
    }
    for kind, data in photos.items():
        (tmp_path / f"{kind}.jpg").write_bytes(data)
    me = a.unique_bao()
    browser.set_window_size(390, 844)

    browser.get(system.intake_url + "/app/")
    wait_until(browser, "step 1", lambda d: d.find_element(By.ID, "new").is_displayed())
    screen(browser, folder, "1-start")
    button(browser, "Đăng ký tài khoản").click()
    wait_until(browser, "step 2", lambda d: d.find_element(By.ID, "step-info").is_displayed())

    browser.find_element(By.ID, "qr-file").send_keys(str(tmp_path / "id_front.jpg"))
    wait_until(browser, "the QR autofill", lambda d: "Đã điền số CCCD" in text_of(d, "qr-msg"))
    assert browser.find_element(By.ID, "f-full_name").get_attribute("value") == "Nguyễn Văn Bảo"
    assert browser.find_element(By.ID, "f-date_of_birth").get_attribute("value") == "15/03/1990"
    assert browser.find_element(By.ID, "f-id_document-number").get_attribute("value") == (
        "048090900101"
    )
    browser.find_element(By.ID, "f-social_insurance_number").send_keys(
        me["social_insurance_number"]
    )
    browser.find_element(By.ID, "f-phone").send_keys("12345")
    browser.find_element(By.ID, "f-email").send_keys(me["email"])
    button(browser, "Tiếp tục").click()
    wait_until(browser, "the phone's message", lambda d: text_of(d, "err-f-phone").strip())
    assert browser.find_element(By.ID, "f-phone").get_attribute("aria-invalid") == "true"
    screen(browser, folder, "2-info-with-error")
    browser.find_element(By.ID, "f-phone").clear()
    browser.find_element(By.ID, "f-phone").send_keys(me["phone"])
    browser.find_element(By.ID, "info-next").click()
    wait_until(browser, "step 3", lambda d: d.find_element(By.ID, "step-photos").is_displayed())

    for kind in photos:
        browser.find_element(By.ID, f"photo-{kind}").send_keys(str(tmp_path / f"{kind}.jpg"))
        wait_until(browser, f"{kind} uploaded", uploaded(kind))
    screen(browser, folder, "3-photos")
    browser.find_element(By.ID, "photos-next").click()
    wait_until(browser, "step 4", lambda d: d.find_element(By.ID, "step-agency").is_displayed())
    browser.find_element(By.ID, "agency-q").send_keys("4802")
    wait_until(browser, "Thanh Khê", lambda d: "BHXH quận Thanh Khê" in text_of(d, "agencies"))
    assert browser.find_element(By.CSS_SELECTOR, "input[name=agency][value='4802']").is_selected()
    browser.find_element(By.ID, "send_email_copy").click()
    assert "email này còn được sử dụng để giao dịch" in text_of(browser, "step-agency")
    # The consent (GET /v1/consents/current): silence is not consent, the step says so.
    consent_box = wait_until(browser, "the consent", lambda d: d.find_element(By.ID, "consent-ok"))
    assert "91/2025/QH15" in text_of(browser, "consent")
    browser.find_element(By.ID, "agency-next").click()
    wait_until(browser, "consent asked", lambda d: "Cần đồng ý" in text_of(d, "err-consent"))
    assert browser.find_element(By.ID, "step-agency").is_displayed()
    consent_box.click()
    screen(browser, folder, "4-agency")
    browser.find_element(By.ID, "agency-next").click()
    wait_until(browser, "step 5", lambda d: d.find_element(By.ID, "step-review").is_displayed())
    assert "Nguyễn Văn Bảo" in text_of(browser, "summary")
    screen(browser, folder, "5-review")

    # "Quay lại" to the information, then forward again to "Gửi".
    browser.find_element(By.CSS_SELECTOR, "#summary button[data-step='info']").click()
    wait_until(
        browser, "back on step 2", lambda d: d.find_element(By.ID, "step-info").is_displayed()
    )
    browser.find_element(By.ID, "info-next").click()
    wait_until(browser, "step 3", lambda d: d.find_element(By.ID, "step-photos").is_displayed())
    browser.find_element(By.ID, "photos-next").click()
    wait_until(browser, "step 4", lambda d: d.find_element(By.ID, "step-agency").is_displayed())
    browser.find_element(By.ID, "agency-next").click()
    wait_until(browser, "step 5", lambda d: d.find_element(By.ID, "step-review").is_displayed())
    button(browser, "Gửi").click()
    wait_until(browser, "success", lambda d: d.find_element(By.ID, "step-done").is_displayed())
    reference = browser.find_element(By.CSS_SELECTOR, "#done .ref").text
    done = text_of(browser, "done")
    assert reference.startswith("4802-")
    assert "0236.3721163" in done
    assert "giấy tờ tùy thân" in done
    # The visit deadline as dd/mm/yyyy, once review has opened the case (the screen asks
    # again until intake knows it): the date GET /v1/declarations/{id} gives.
    wait_until(browser, "the deadline", lambda d: d.find_elements(By.ID, "deadline"))
    stored = json.loads(browser.execute_script("return localStorage.getItem('vssid-draft')"))
    with httpx.Client(base_url=system.intake_url, timeout=30) as intake:
        year, month, day = a.status_of(intake, stored["id"], stored["token"])[
            "visit_deadline"
        ].split("-")
    assert text_of(browser, "deadline") == f"{day}/{month}/{year}"
    assert "Hạn đến cơ quan BHXH:" in text_of(browser, "done")
    screen(browser, folder, "6-success")

    # The clerk verifies it in the staff app (desktop), then the applicant looks again.
    browser.set_window_size(1440, 900)
    staff.sign_in_page(browser, system.review_url, staff.enrol(system, "4802", "Đặng Văn Tú"))
    browser.find_element(By.ID, "q").send_keys(reference)
    button(browser, "Tìm").click()
    wait_until(browser, f"case {reference}", page.case_shows(reference, "Nguyễn Văn Bảo"))
    wait_until(browser, "verify enabled", lambda d: d.find_elements(By.ID, "verify"))
    browser.find_element(By.ID, "verify").click()
    button(browser, "Xác nhận").click()
    wait_until(browser, "'Đã xác minh.'", message_is("Đã xác minh."))
    console(browser)  # the staff app's own console is checked by its tests

    browser.set_window_size(390, 844)
    browser.get(system.intake_url + "/app/")
    wait_until(
        browser, "the status button", lambda d: d.find_element(By.ID, "status-btn").is_displayed()
    )
    browser.find_element(By.ID, "status-btn").click()

    def verified(d: WebDriver) -> bool:
        if "Đã xác minh" in text_of(d, "done"):
            return True
        d.find_element(By.ID, "refresh").click()  # intake learns of it from the event
        return False

    wait_until(browser, "verified", verified)
    screen(browser, folder, "7-status-verified")
    logged = console(browser)
    assert [e for e in logged if e.get("source") == "javascript"] == []
    assert [e for e in logged if "Content Security Policy" in str(e.get("message"))] == []


def fake_camera_chromium(video: Path, profile: Path, *extra: str) -> WebDriver:
    """Headless Chromium whose camera plays `video` (Y4M), the permission granted."""
    options = Options()
    options.binary_location = str(page.CHROMIUM)
    for flag in (
        *page.FLAGS,
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
        *extra,
    ):
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=str(page.CHROMEDRIVER))
    return webdriver.Chrome(service=service, options=options)


@pytest.fixture
def camera_browser(tmp_path: Path) -> Iterator[WebDriver]:
    """Chromium whose camera shows a CCCD's QR code (a Y4M file), permission granted."""
    video = write_y4m(tmp_path / "cccd-qr.y4m", qr_frame(a.BAO_QR))
    driver = fake_camera_chromium(video, tmp_path / "camera-profile")
    try:
        yield driver
    finally:
        driver.quit()


def test_live_camera_fills_the_cccd_fields(system: System, camera_browser: WebDriver) -> None:
    """Frames decoded in the browser by the vendored jsQR; the payload goes to /v1/qr/decode."""
    browser = camera_browser
    browser.set_window_size(390, 844)
    browser.get(system.intake_url + "/app/")
    wait_until(browser, "step 1", lambda d: d.find_element(By.ID, "new").is_displayed())
    button(browser, "Đăng ký tài khoản").click()
    wait_until(browser, "step 2", lambda d: d.find_element(By.ID, "step-info").is_displayed())
    button(browser, "Quét mã QR bằng camera").click()
    wait_until(browser, "the live decode", lambda d: "Đã điền số CCCD" in text_of(d, "qr-msg"))
    assert browser.find_element(By.ID, "f-id_document-number").get_attribute("value") == (
        "048090900101"
    )
    assert browser.find_element(By.ID, "f-id_document-issued_on").get_attribute("value") == (
        "12/05/2021"
    )
    assert not browser.find_element(By.ID, "video").is_displayed()  # the camera is off again
    logged = console(browser)
    assert [e for e in logged if e.get("source") == "javascript"] == []
    assert [e for e in logged if "Content Security Policy" in str(e.get("message"))] == []
