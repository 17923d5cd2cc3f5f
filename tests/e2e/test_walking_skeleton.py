"""One declaration through all four services on real servers, driven by the HTTP contract only."""

from __future__ import annotations

import re
import subprocess
import unicodedata

import httpx
import pytest

from tests.e2e.conftest import System
from tests.support import applicant as a
from tests.support.observe import mails_about, sms_to, stream_events, undelivered

pytestmark = pytest.mark.e2e


def operator_token(system: System, agency: str = "4802") -> str:
    out = system.cli("operators", "add", "--agency", agency, "--name", "Nguyễn Văn B")
    return out.strip().splitlines()[-1]


def test_declaration_reaches_verified_and_account_works(system: System) -> None:
    intake = httpx.Client(base_url=system.intake_url, timeout=30)
    review = httpx.Client(base_url=system.review_url, timeout=30)
    person = a.unique_bao()
    declaration_id, token = a.create_draft(intake, person)
    a.upload_images(intake, declaration_id, token, a.BAO_QR)
    reference = a.submit(intake, declaration_id, token)
    assert re.fullmatch(r"4802-[A-Z0-9]{6}", reference)

    body = a.wait_for_status(intake, declaration_id, token, "awaiting_verification")
    assert body["enrichment"]["qr"]["found"] is True
    assert body["enrichment"]["discrepancies"] == []
    # The test portrait is a plain colour, nothing like a face photo: the clerk is told.
    assert any(f["image"] == "portrait" for f in body["enrichment"]["findings"])
    copy = a.eventually(lambda: mails_about(system.mail_api_url, reference))
    assert len(copy) == 1
    assert copy[0]["Attachments"] == 1

    headers = {"Authorization": f"Bearer {operator_token(system)}"}
    case = review.get(f"/v1/review/declarations/by-reference/{reference}", headers=headers)
    assert case.status_code == 200
    assert case.json()["fields"]["full_name"] == "Nguyễn Văn Bảo"
    verified = review.post(
        f"/v1/review/declarations/{declaration_id}/verify",
        json={"note": "Đã đối chiếu CCCD"},
        headers=headers,
    )
    assert verified.status_code == 200, verified.text
    again = review.post(
        f"/v1/review/declarations/{declaration_id}/verify", json={}, headers=headers
    )
    assert again.status_code == 409

    body = a.wait_for_status(intake, declaration_id, token, "verified")
    activated = a.eventually(
        lambda: [
            m for m in mails_about(system.mail_api_url, reference) if "kích hoạt" in m["Subject"]
        ]
    )
    assert len(activated) == 1
    assert [e["status"] for e in body["timeline"]] == [
        "draft",
        "submitted",
        "awaiting_verification",
        "verified",
    ]
    sms = a.eventually(lambda: sms_to(system.mail_api_url, a.e164(person["phone"])))
    found = re.search(r"là: (\S+)", sms[0]["Text"])
    assert found, "the SMS carries the initial password"
    password = found.group(1)
    sin = person["social_insurance_number"]
    login = intake.post("/v1/auth/login", json={"account": sin, "password": password})
    assert login.status_code == 200, login.text
    assert login.json()["must_change_password"] is True
    bhyt_code = f"GD448{sin}"  # the card code's last 10 characters are the SIN
    changed = intake.post(
        "/v1/auth/change-password",
        json={"account": bhyt_code, "password": password, "new_password": "Mật-khẩu-mới-2026"},
    )
    assert changed.status_code == 204, changed.text
    old = intake.post("/v1/auth/login", json={"account": sin, "password": password})
    assert old.status_code == 401
    new = intake.post("/v1/auth/login", json={"account": sin, "password": "Mật-khẩu-mới-2026"})
    assert new.json()["must_change_password"] is False


def pdf_text_of(mail_api_url: str, message_id: str) -> str:
    detail = httpx.get(f"{mail_api_url}/api/v1/message/{message_id}").json()
    [part] = [p for p in detail["Attachments"] if p["ContentType"] == "application/pdf"]
    pdf = httpx.get(f"{mail_api_url}/api/v1/message/{message_id}/part/{part['PartID']}").content
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    return unicodedata.normalize("NFC", " ".join(text.split()))


def test_rejection_mails_the_reason(system: System) -> None:
    intake = httpx.Client(base_url=system.intake_url, timeout=30)
    declaration_id, token = a.create_draft(intake, a.unique_bao())
    a.upload_images(intake, declaration_id, token, a.BAO_QR)
    reference = a.submit(intake, declaration_id, token)
    a.wait_for_status(intake, declaration_id, token, "awaiting_verification")
    headers = {"Authorization": f"Bearer {operator_token(system)}"}
    rejected = httpx.post(
        f"{system.review_url}/v1/review/declarations/{declaration_id}/reject",
        json={"reason": "Ảnh chân dung không rõ mặt, đề nghị chụp lại."},
        headers=headers,
    )
    assert rejected.status_code == 200, rejected.text
    body = a.wait_for_status(intake, declaration_id, token, "rejected")
    assert body["timeline"][-1]["status"] == "rejected"

    def rejection_mail() -> list[dict[str, str]]:
        return [
            m for m in mails_about(system.mail_api_url, reference) if "chấp thuận" in m["Subject"]
        ]

    [mail] = a.eventually(rejection_mail)
    detail = httpx.get(f"{system.mail_api_url}/api/v1/message/{mail['ID']}").json()
    assert "Ảnh chân dung không rõ mặt, đề nghị chụp lại." in detail["Text"]


def test_ocr_worker_killed_mid_scan_delivers_once(system: System) -> None:
    intake = httpx.Client(base_url=system.intake_url, timeout=30)
    ocr = system.processes["ocr_qr"]
    ocr.stop(10.0)  # the submitted event waits in JetStream, unacked by anyone
    fields = a.unique_bao()
    declaration_id, token = a.create_draft(intake, fields)
    a.upload_images(intake, declaration_id, token, a.BAO_QR)
    reference = a.submit(intake, declaration_id, token)

    ops = system.ops  # the tools' NATS login: reads the streams, may republish
    a.eventually(lambda: stream_events(ops, "declarations.4802.submitted", declaration_id))
    ocr = system.start("ocr_qr")
    # The worker has pulled it (nothing left undelivered): in flight, unless already done.
    ocr_login = system.nats_login("ocr_qr")
    a.eventually(lambda: undelivered(ocr_login, "ocr_qr-submitted") == 0 or None)
    ocr.kill()  # SIGKILL while the message is in flight: no ack was sent
    system.start("ocr_qr")

    body = a.wait_for_status(intake, declaration_id, token, "awaiting_verification")
    # The same photo bytes went in with the module's earlier declarations.
    reused = {f["image"] for f in body["enrichment"]["findings"] if f["code"] == "image_reused"}
    assert reused == {"portrait", "id_front", "id_back"}
    assert len(stream_events(ops, "declarations.4802.scanned", declaration_id)) == 1
    mails = a.eventually(lambda: mails_about(system.mail_api_url, reference))
    assert len(mails) == 1
