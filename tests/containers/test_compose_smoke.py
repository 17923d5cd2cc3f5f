"""One declaration end to end through docker compose (`make test-containers` runs this after
`compose up`): intake, ocr_qr, review and the notifier in containers, on the published ports."""

from __future__ import annotations

import os
import re

import httpx
import pytest

from tests.support import applicant as a
from tests.support.observe import mails_about, sms_to

TOKEN = os.environ.get("VSSID_COMPOSE_OPERATOR_TOKEN", "")
INTAKE = os.environ.get("VSSID_COMPOSE_INTAKE_URL", "http://127.0.0.1:8080")
REVIEW = os.environ.get("VSSID_COMPOSE_REVIEW_URL", "http://127.0.0.1:8081")
MAIL_API = os.environ.get("VSSID_COMPOSE_MAIL_API_URL", "http://127.0.0.1:8025")

pytestmark = pytest.mark.skipif(not TOKEN, reason="needs the compose stack (make test-containers)")


def test_one_declaration_through_the_containers() -> None:
    intake = httpx.Client(base_url=INTAKE, timeout=30)
    review = httpx.Client(base_url=REVIEW, timeout=30)
    person = a.unique_bao()
    declaration_id, token = a.create_draft(intake, person)
    a.upload_images(intake, declaration_id, token, a.BAO_QR)
    reference = a.submit(intake, declaration_id, token)

    body = a.wait_for_status(intake, declaration_id, token, "awaiting_verification", timeout=120)
    assert body["enrichment"]["qr"]["found"] is True
    copy = a.eventually(lambda: mails_about(MAIL_API, reference), timeout=120)
    assert len(copy) == 1

    verified = review.post(
        f"/v1/review/declarations/{declaration_id}/verify",
        json={"note": "Đã đối chiếu CCCD"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert verified.status_code == 200, verified.text
    a.wait_for_status(intake, declaration_id, token, "verified", timeout=120)
    sms = a.eventually(lambda: sms_to(MAIL_API, a.e164(person["phone"])), timeout=120)
    assert len(sms) == 1
    password = re.search(r"là: (\S+)", sms[0]["Text"])
    assert password, "the SMS carries the initial password"
    login = intake.post(
        "/v1/auth/login",
        json={"account": person["social_insurance_number"], "password": password.group(1)},
    )
    assert login.status_code == 200, login.text
