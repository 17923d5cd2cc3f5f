"""English as the second locale of both web apps, and the staff app's counter QR scan.

The applicant resumes a prepared draft with the page switched to English: every screen
(start, details, photos, agency with the consent's English text, review, success) shows English
labels, `<html lang="en">`, the choice survives a reload (localStorage), dates stay dd/mm/yyyy,
and axe-core finds no serious or critical violation in English. A clerk, in English, holds the
applicant's copy up to the webcam (Chromium's fake camera plays a frame of the QR code the
notifier's PDF carries: the bare reference); the case opens. That browser is an English one
(navigator.language "en-US"), so the staff app starts in English unasked; switching to Tiếng
Việt gives the Vietnamese page again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By

from tests.e2e import test_review_page as page
from tests.e2e.conftest import System
from tests.e2e.test_applicant_app import fake_camera_chromium
from tests.e2e.test_review_page import browser, button, console, wait_until
from tests.support import applicant as a
from tests.support import staff
from tests.support.axe import violations
from tests.support.camera import qr_frame, write_y4m

__all__ = ["browser"]
pytestmark = page.pytestmark


def english(browser: WebDriver, where: str) -> None:
    """Asserts the page is in English now, and accessible as it is."""
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en", where
    pressed = browser.find_element(By.CSS_SELECTOR, "button[data-lang='en']")
    assert pressed.get_attribute("aria-pressed") == "true", where
    blocking = violations(browser)
    assert blocking == [], f"{where}: {blocking}"


def text_of(browser: WebDriver, element_id: str) -> str:
    return str(browser.find_element(By.ID, element_id).text)


def label_of(browser: WebDriver, for_id: str) -> str:
    return str(browser.find_element(By.CSS_SELECTOR, f"label[for='{for_id}']").text)


def no_script_errors(browser: WebDriver) -> None:
    logged = console(browser)
    assert [e for e in logged if e.get("source") == "javascript"] == []
    assert [e for e in logged if "Content Security Policy" in str(e.get("message"))] == []


def test_applicant_app_in_english(system: System, browser: WebDriver) -> None:
    fields = a.unique_bao()
    with httpx.Client(base_url=system.intake_url, timeout=30) as intake:
        declaration_id, token = a.create_draft(intake, fields)
        a.upload_images(intake, declaration_id, token, a.BAO_QR)
        consent = intake.get("/v1/consents/current").json()
    browser.set_window_size(390, 844)
    browser.get(system.intake_url + "/app/")
    wait_until(browser, "step 1", lambda d: d.find_element(By.ID, "new").is_displayed())
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "vi"
    assert text_of(browser, "new") == "Đăng ký tài khoản"  # Vietnamese first
    draft = json.dumps({"id": declaration_id, "token": token})
    browser.execute_script("localStorage.setItem('vssid-draft', arguments[0])", draft)

    button(browser, "English").click()
    wait_until(browser, "English", lambda d: text_of(d, "new") == "Create an account")
    browser.refresh()  # the choice is remembered
    wait_until(browser, "English again", lambda d: text_of(d, "resume").startswith("Continue"))
    assert browser.title.startswith("VssID \u2013 Register")
    assert "Sign in" in text_of(browser, "step-start")
    english(browser, "start")

    browser.find_element(By.ID, "resume").click()
    wait_until(browser, "details", lambda d: d.find_element(By.ID, "step-info").is_displayed())
    assert label_of(browser, "f-full_name") == "Full name"
    assert label_of(browser, "f-date_of_birth") == "Date of birth (dd/mm/yyyy)"
    assert browser.find_element(By.ID, "f-date_of_birth").get_attribute("value") == "15/03/1990"
    assert "Male" in browser.find_element(By.ID, "f-gender").text
    assert "1. Register" in text_of(browser, "steps")
    english(browser, "details")

    button(browser, "Continue").click()
    wait_until(browser, "photos", lambda d: d.find_element(By.ID, "step-photos").is_displayed())
    assert label_of(browser, "photo-portrait") == "Portrait photo"
    assert "Uploaded." in text_of(browser, "state-portrait")
    english(browser, "photos")

    browser.find_element(By.ID, "photos-next").click()
    wait_until(browser, "agency", lambda d: d.find_element(By.ID, "step-agency").is_displayed())
    wait_until(browser, "the consent", lambda d: d.find_elements(By.ID, "consent-ok"))
    assert consent["text"]["en"] in text_of(browser, "consent")  # the server's English text
    assert consent["text"]["vi"] not in text_of(browser, "consent")
    assert "Email me a copy of the declaration" in text_of(browser, "step-agency")
    browser.find_element(By.ID, "agency-next").click()
    wait_until(browser, "asked", lambda d: "consent is needed" in text_of(d, "err-consent"))
    browser.find_element(By.ID, "consent-ok").click()
    english(browser, "agency")

    browser.find_element(By.ID, "agency-next").click()
    wait_until(browser, "review", lambda d: d.find_element(By.ID, "step-review").is_displayed())
    summary = text_of(browser, "summary")
    assert "Your details" in summary
    assert "15/03/1990" in summary  # dates stay dd/mm/yyyy in English
    english(browser, "review")

    button(browser, "Send").click()
    wait_until(browser, "done", lambda d: d.find_element(By.ID, "step-done").is_displayed())
    wait_until(browser, "the reference", lambda d: "4802-" in text_of(d, "done"))
    done = text_of(browser, "done")
    assert "Your file reference:" in done
    assert "Declaration sent" in text_of(browser, "step-done")
    english(browser, "done")

    button(browser, "Tiếng Việt").click()  # and back, on the screen shown
    wait_until(browser, "Vietnamese", lambda d: "Mã hồ sơ của bạn:" in text_of(d, "done"))
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "vi"
    assert "Gửi tờ khai thành công" in text_of(browser, "step-done")
    no_script_errors(browser)


@pytest.fixture
def submitted(system: System) -> dict[str, str]:
    with httpx.Client(base_url=system.intake_url, timeout=30) as intake:
        declaration_id, token = a.create_draft(intake, a.unique_bao())
        a.upload_images(intake, declaration_id, token, a.BAO_QR)
        reference = a.submit(intake, declaration_id, token)
        a.wait_for_status(intake, declaration_id, token, "awaiting_verification")
    return {"id": declaration_id, "reference": reference}


@pytest.fixture
def counter_camera(submitted: dict[str, str], tmp_path: Path) -> Iterator[WebDriver]:
    """The office webcam sees the QR code of the applicant's copy: exactly what pdf.py encodes."""
    video = write_y4m(tmp_path / "copy-qr.y4m", qr_frame(submitted["reference"]))
    # An English browser: the staff app starts in English unasked (navigator.language).
    driver = fake_camera_chromium(video, tmp_path / "counter-profile", "--accept-lang=en-US")
    try:
        yield driver
    finally:
        driver.quit()


def test_counter_scan_opens_the_case_in_english(
    system: System, counter_camera: WebDriver, submitted: dict[str, str]
) -> None:
    browser = counter_camera
    reference = submitted["reference"]
    browser.set_window_size(1440, 900)
    member = staff.enrol(system, "4802", "Lê Thị Hoa")
    browser.get(system.review_url + "/")
    wait_until(browser, "the form", lambda d: d.find_element(By.ID, "login").is_displayed())
    assert text_of(browser, "signin-title") == "Staff sign-in"
    english(browser, "sign-in")
    browser.find_element(By.ID, "login").send_keys(member.login)
    browser.find_element(By.ID, "password").send_keys(member.password)
    browser.find_element(By.ID, "code").send_keys(member.code())
    button(browser, "Sign in").click()
    wait_until(browser, "the queue", lambda d: d.find_element(By.ID, "work").is_displayed())
    assert text_of(browser, "queue-title") == "Queue"
    assert "social insurance office 4802" in text_of(browser, "who")
    assert text_of(browser, "scan") == "Scan the QR code at the counter"
    english(browser, "queue")

    browser.find_element(By.ID, "scan").click()
    wait_until(browser, f"case {reference}", page.case_shows(reference, "Nguyễn Văn Bảo"))
    heading = browser.find_element(By.CSS_SELECTOR, "#case h2").text
    assert heading == f"File {reference} \u2013 Awaiting verification"
    view = text_of(browser, "case")
    assert "As declared" in view
    assert "15/03/1990" in view
    assert text_of(browser, "scan-msg") == f"Read file reference {reference}."
    assert not browser.find_element(By.ID, "scan-video").is_displayed()  # the camera is off
    assert browser.find_element(By.ID, "scan").is_displayed()  # ready for the next applicant
    english(browser, "case")

    button(browser, "Tiếng Việt").click()
    wait_until(browser, "Vietnamese", lambda d: text_of(d, "queue-title") == "Hàng chờ")
    wait_until(browser, "the case in Vietnamese", page.case_shows(f"Hồ sơ {reference}", "Bảo"))
    assert "Người nộp khai" in text_of(browser, "case")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "vi"
    no_script_errors(browser)
