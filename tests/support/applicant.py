"""Drives the intake contract the way a front end does, for integration and e2e tests."""

from __future__ import annotations

import io
import itertools
import secrets
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import httpx
from PIL import Image

from tests.support.cards import render_card_photo, render_clean_portrait

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


# Clean photos: each case gets photos of its own (a photo seen before draws `image_reused`).
# Card photos at "clean", seeds 100-259, and clean portraits, seeds 0-199, were each checked to
# draw no finding from ocr_qr's checks (about 1 clean card photo in 100 at other seeds is flagged:
# a corner lost against the table, or a clipped corner read as glare); 80 cases' worth.
CLEAN_CARD_SEEDS = range(100, 260)
_clean_cases = itertools.count()


def clean_photos() -> dict[str, bytes]:
    """Bảo's three photos (his CCCD's QR is BAO_QR) that ocr_qr's real checks find nothing
    wrong with: a sharp portrait with one face, both card sides flat and well lit, and bytes no
    other case has."""
    n = next(_clean_cases)
    assert 2 * n + 1 < len(CLEAN_CARD_SEEDS), "out of checked clean photo seeds"
    return {
        "portrait": render_clean_portrait(n),
        "id_front": render_card_photo(BAO_QR, "clean", CLEAN_CARD_SEEDS[2 * n]),
        "id_back": render_card_photo(BAO_QR, "clean", CLEAN_CARD_SEEDS[2 * n + 1]),
    }


def registry_csv(path: Path, people: Iterable[dict[str, Any]]) -> Path:
    """A registry file (`vssid registry import`) listing these applicants as typed: their
    social-insurance numbers then match, so intake adds no `sin_not_in_registry`."""
    lines = ["social_insurance_number,full_name,date_of_birth,gender,province_code"]
    lines += [
        f"{p['social_insurance_number']},{p['full_name']},{p['date_of_birth']},{p['gender']},48"
        for p in people
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def create_draft(client: httpx.Client, fields: dict[str, Any]) -> tuple[str, str]:
    response = client.post("/v1/declarations", json=fields)
    assert response.status_code == 201, response.text
    body = response.json()
    return body["id"], body["access_token"]


def upload_images(
    client: httpx.Client,
    declaration_id: str,
    token: str,
    qr: str,
    photos: dict[str, bytes] | None = None,
) -> None:
    """The three photos; by default the same every time and a blank portrait (so the case draws
    findings: a blurred portrait with no face, photos seen before), else `photos`."""
    images = photos or {
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
