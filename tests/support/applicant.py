"""Drives the intake contract the way a front end does, for integration and e2e tests."""

from __future__ import annotations

import io
import secrets
import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
from PIL import Image

from tests.support.cards import render_card_photo

T = TypeVar("T")

BAO_QR = (
    "048090900101|201234567|Nguyễn Văn Bảo|15031990|Nam|"
    "Tổ 5, Phường Chính Gián, Quận Thanh Khê, Đà Nẵng|12052021"
)
# The consent text's version the applicant accepts (GET /v1/consents/current; issue 15).
CONSENT = {"version": "2026-01", "accepted": True}
BAO = {
    "full_name": "Nguyễn Văn Bảo",
    "social_insurance_number": "4890012345",
    "date_of_birth": "1990-03-15",
    "gender": "male",
    "nationality": "VN",
    "id_document": {"type": "cccd", "number": "048090900101", "issued_on": "2021-05-12"},
    "address": "Tổ 5, Phường Chính Gián, Quận Thanh Khê, Đà Nẵng",
    "phone": "0905123456",
    "email": "bao.nguyen@example.com",
    "agency_code": "4802",
    "send_email_copy": True,
    "consent": CONSENT,
}


def unique_bao() -> dict[str, Any]:
    """Nguyễn Văn Bảo (as on BAO_QR) with his own phone, mail and SIN: tests share catchers."""
    n = secrets.randbelow(10**6)
    return {
        **BAO,
        "phone": f"0905{n:06d}",
        "email": f"bao.{n}@example.com",
        "social_insurance_number": f"48{secrets.randbelow(10**8):08d}",
    }


def e164(phone: str) -> str:
    return "+84" + phone[1:]


def eventually(check: Callable[[], T | None], timeout: float = 60.0, every: float = 0.25) -> T:
    """Polls until `check` returns something truthy; fails with the last value at the deadline."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"condition not met within {timeout}s; last value: {last!r}")


def portrait_jpeg(seed: int = 0) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (600, 800), (190 + seed % 40, 170, 150)).save(buf, "JPEG", quality=90)
    return buf.getvalue()


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def create_draft(client: httpx.Client, fields: dict[str, Any]) -> tuple[str, str]:
    response = client.post("/v1/declarations", json=fields)
    assert response.status_code == 201, response.text
    body = response.json()
    return body["id"], body["access_token"]


def upload_images(client: httpx.Client, declaration_id: str, token: str, qr: str) -> None:
    images = {
        "portrait": portrait_jpeg(),
        "id_front": render_card_photo(qr, "clean", 1),
        "id_back": render_card_photo(qr, "phone", 2),
    }
    for kind, data in images.items():
        response = client.put(
            f"/v1/declarations/{declaration_id}/images/{kind}",
            files={"file": (f"{kind}.jpg", data, "image/jpeg")},
            headers=auth(token),
        )
        assert response.status_code == 201, response.text


def submit(client: httpx.Client, declaration_id: str, token: str, key: str | None = None) -> str:
    headers = auth(token) | ({"Idempotency-Key": key} if key else {})
    response = client.post(f"/v1/declarations/{declaration_id}/submit", headers=headers)
    assert response.status_code == 202, response.text
    reference: str = response.json()["reference"]
    return reference


def status_of(client: httpx.Client, declaration_id: str, token: str) -> dict[str, Any]:
    response = client.get(f"/v1/declarations/{declaration_id}", headers=auth(token))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def wait_for_status(
    client: httpx.Client, declaration_id: str, token: str, status: str, timeout: float = 90.0
) -> dict[str, Any]:
    def reached() -> dict[str, Any] | None:
        body = status_of(client, declaration_id, token)
        return body if body["status"] == status else None

    return eventually(reached, timeout)
