"""Account takeover by re-registering (issue 10 item 1), attacked on the running system.

The owner registers, is verified and logs in. A stranger then submits a declaration with the
owner's social-insurance number but their own name, ID card, phone and e-mail. The clerk's
case shows the registry mismatch and the active account; a plain verify is refused; the owner's
password keeps working and the stranger's phone gets nothing. Only the clerk's explicit
re-issue gives the account a new password, sent to the OWNER's registered phone, and the
owner's e-mail is told. A plain verify that slips past review (the account became active after
submit) is held by intake: nobody's password changes.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Any

import httpx
import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions

from tests.e2e.conftest import System
from tests.e2e.test_review_page import (  # the page test's browser and helpers
    CHROMEDRIVER,
    CHROMIUM,
    browser,  # noqa: F401 - a fixture, used by name
    button,
    case_shows,
    console,
    message_is,
    wait_until,
)
from tests.support import applicant as a
from tests.support import staff
from tests.support.observe import sms_to

pytestmark = pytest.mark.e2e

MAO_QR = (
    "048085123456||Trần Văn Mạo|20071985|Nam|Tổ 9, Phường An Khê, Quận Thanh Khê, Đà Nẵng|12052021"
)


def stranger(sin: str) -> dict[str, Any]:
    """The attacker's declaration: the owner's number, everything else the attacker's own."""
    n = secrets.randbelow(10**6)
    return {
        **a.BAO,
        "full_name": "Trần Văn Mạo",
        "date_of_birth": "1985-07-20",
        "id_document": {"type": "cccd", "number": "048085123456", "issued_on": "2021-05-12"},
        "address": "Tổ 9, Phường An Khê, Quận Thanh Khê, Đà Nẵng",
        "phone": f"0977{n:06d}",
        "email": f"mao.{n}@example.com",
        "social_insurance_number": sin,
    }


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def submitted(system: System, fields: dict[str, Any], qr: str) -> tuple[str, str, str]:
    with httpx.Client(base_url=system.intake_url, timeout=30) as intake:
        declaration_id, token = a.create_draft(intake, fields)
        a.upload_images(intake, declaration_id, token, qr)
        reference = a.submit(intake, declaration_id, token)
        a.wait_for_status(intake, declaration_id, token, "awaiting_verification")
    return declaration_id, token, reference


def password_in(sms: dict[str, Any]) -> str:
    found = re.search(r"là: (\S+)", sms["Text"])
    assert found, "the SMS carries a password"
    return found.group(1)


def login(system: System, sin: str, password: str) -> int:
    response = httpx.post(
        f"{system.intake_url}/v1/auth/login", json={"account": sin, "password": password}
    )
    return response.status_code


def case(system: System, token: str, declaration_id: str) -> dict[str, Any]:
    response = httpx.get(
        f"{system.review_url}/v1/review/declarations/{declaration_id}", headers=bearer(token)
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def verify(system: System, token: str, declaration_id: str, **body: Any) -> httpx.Response:
    return httpx.post(
        f"{system.review_url}/v1/review/declarations/{declaration_id}/verify",
        json={"note": "Đã đối chiếu giấy tờ tại quầy", **body},
        headers=bearer(token),
        timeout=30,
    )


def registered_owner(system: System, tmp_path: Path) -> tuple[dict[str, Any], str, str]:
    """An owner in the registry, verified, with the password from the SMS: (fields, token,
    password)."""
    owner = a.unique_bao()
    registry = tmp_path / "registry.csv"
    registry.write_text(
        "social_insurance_number,full_name,date_of_birth,gender,province_code\n"
        f"{owner['social_insurance_number']},Nguyễn Văn Bảo,1990-03-15,male,48\n",
        encoding="utf-8",
    )
    system.cli("registry", "import", str(registry))
    token = system.cli("operators", "add", "--agency", "4802", "--name", "Ngô Thị Lan")
    token = token.strip().splitlines()[-1]
    owner_id, _, _ = submitted(system, owner, a.BAO_QR)
    codes = {f["code"] for f in case(system, token, owner_id)["findings"]}
    assert not codes & {"sin_registry_mismatch", "sin_not_in_registry", "account_already_active"}
    assert verify(system, token, owner_id).status_code == 200
    [sms] = a.eventually(lambda: sms_to(system.mail_api_url, a.e164(owner["phone"])))
    password = password_in(sms)
    assert login(system, owner["social_insurance_number"], password) == 200
    return owner, token, password


def test_re_registering_someone_elses_number_does_not_take_the_account(
    system: System, tmp_path: Path
) -> None:
    owner, token, password = registered_owner(system, tmp_path)
    sin = owner["social_insurance_number"]
    attacker = stranger(sin)
    attack_id, _, _ = submitted(system, attacker, MAO_QR)

    # What the clerk sees: the number belongs to someone else, and it has an active account.
    shown = case(system, token, attack_id)
    codes = [f["code"] for f in shown["findings"]]
    assert "sin_registry_mismatch" in codes
    assert "account_already_active" in codes
    assert shown["account"]["active"] is True
    assert shown["account"]["since"]
    phone = owner["phone"]
    assert shown["account"]["phone_masked"] == f"{phone[:3]}****{phone[-3:]}"
    assert phone not in str(shown["account"])

    # A plain verify is refused, in the contract's error shape, in Vietnamese.
    refused = verify(system, token, attack_id)
    assert refused.status_code == 409, refused.text
    [detail] = refused.json()["detail"]
    assert detail["code"] == "account_active"
    assert "tài khoản VssID đang hoạt động" in detail["message"]
    assert case(system, token, attack_id)["status"] == "awaiting_verification"
    assert login(system, sin, password) == 200  # the owner's password still works
    assert sms_to(system.mail_api_url, a.e164(attacker["phone"])) == []

    # The explicit, audited re-issue: the new password goes to the OWNER's registered phone.
    reissued = verify(system, token, attack_id, reissue_password=True)
    assert reissued.status_code == 200, reissued.text
    owner_sms = a.eventually(
        lambda: [
            m for m in sms_to(system.mail_api_url, a.e164(phone)) if password_in(m) != password
        ]
    )
    new_password = password_in(owner_sms[0])
    assert login(system, sin, new_password) == 200
    assert login(system, sin, password) == 401
    assert sms_to(system.mail_api_url, a.e164(attacker["phone"])) == []

    def owner_mail() -> list[dict[str, Any]]:
        body = httpx.get(f"{system.mail_api_url}/api/v1/messages", params={"limit": 500}).json()
        return [
            m
            for m in body["messages"]
            if "cấp lại" in m["Subject"] and owner["email"] in [t["Address"] for t in m["To"]]
        ]

    assert len(a.eventually(owner_mail)) == 1
    audit = case(system, token, attack_id)["audit"]
    assert any(e["action"] == "verify-refused:account_active" for e in audit)
    assert any(e["action"] == "verified" and e.get("reissue_password") is True for e in audit)


def test_plain_verify_after_the_account_became_active_is_held_by_intake(
    system: System, tmp_path: Path
) -> None:
    """Two declarations for one new number, both submitted before either was verified: review
    cannot know, at the second verify, that the first made an account. Intake, at activation,
    still refuses to re-key it and the case says so."""
    first = a.unique_bao()
    second = {**a.unique_bao(), "social_insurance_number": first["social_insurance_number"]}
    token = system.cli("operators", "add", "--agency", "4802", "--name", "Vũ Minh Tâm")
    token = token.strip().splitlines()[-1]
    first_id, _, _ = submitted(system, first, a.BAO_QR)
    second_id, _, _ = submitted(system, second, a.BAO_QR)
    assert case(system, token, second_id)["account"] is None

    assert verify(system, token, first_id).status_code == 200
    [sms] = a.eventually(lambda: sms_to(system.mail_api_url, a.e164(first["phone"])))
    password = password_in(sms)
    assert verify(system, token, second_id).status_code == 200  # review did not know

    held = a.eventually(lambda: case(system, token, second_id)["account_held"])
    assert held == "account_active"
    audit = case(system, token, second_id)["audit"]
    assert any(e["action"] == "account:held" for e in audit)
    assert login(system, first["social_insurance_number"], password) == 200
    assert sms_to(system.mail_api_url, a.e164(second["phone"])) == []


@pytest.mark.skipif(
    not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()),
    reason="needs chromium and chromium-driver (make test installs them)",
)
def test_clerk_page_refuses_plain_verify_and_reissues_on_request(
    system: System,
    browser: WebDriver,  # noqa: F811 - the page test's fixture, imported above
    tmp_path: Path,
) -> None:
    owner, token, _ = registered_owner(system, tmp_path)
    attack_id, _, reference = submitted(system, stranger(owner["social_insurance_number"]), MAO_QR)
    staff.sign_in_page(browser, system.review_url, staff.enrol(system, "4802", "Ngô Thị Lan"))
    browser.find_element(By.ID, "q").send_keys(reference)
    button(browser, "Tìm").click()
    wait_until(browser, f"case view of {reference}", case_shows(reference, "Trần Văn Mạo"))
    view = browser.find_element(By.ID, "case").text
    assert "tài khoản VssID đang hoạt động" in view
    phone = owner["phone"]
    assert f"{phone[:3]}****{phone[-3:]}" in view

    button(browser, "Xác minh").click()
    button(browser, "Xác nhận").click()
    wait_until(
        browser,
        "the refusal",
        lambda d: "không thể xác minh thường" in d.find_element(By.ID, "msg").text,
    )
    button(browser, "Cấp lại mật khẩu").click()
    wait_until(browser, "the confirmation", expected_conditions.alert_is_present())
    browser.switch_to.alert.accept()
    wait_until(browser, "the message 'Đã xác minh.'", message_is("Đã xác minh."))
    a.eventually(lambda: len(sms_to(system.mail_api_url, a.e164(phone))) == 2)
    audit = case(system, token, attack_id)["audit"]
    assert any(e.get("reissue_password") is True for e in audit)

    logged = console(browser)
    assert [e for e in logged if e.get("source") == "javascript"] == []
    assert [e for e in logged if "Content Security Policy" in str(e.get("message"))] == []
