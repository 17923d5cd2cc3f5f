"""Attacks on the staff side (issue 10 items 6, 11, 12), against the running services.

- a disabled operator's already open event stream ends within a few seconds;
- a case of another agency is never named by reference or id, only by agency code and status;
- the staff page carries a strict CSP and anti-framing headers, every API answer nosniff.
"""

from __future__ import annotations

import re
import threading
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import System
from tests.support import applicant as a

pytestmark = pytest.mark.e2e

# Bound for "within a few seconds": the stream re-checks its operator every 1.5 s; the read
# timeout is shorter than the 15 s heartbeat, so a stream left open fails as a ReadTimeout.
STREAM_END_BOUND = 10.0


def operator(system: System, agency: str, name: str) -> tuple[str, str]:
    """A new operator's (id, token)."""
    out = system.cli("operators", "add", "--agency", agency, "--name", name).splitlines()
    found = re.search(r"\(id ([0-9a-f-]{36})\)", out[-2])
    assert found, out
    return found.group(1), out[-1]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_disabled_operators_open_stream_ends(system: System) -> None:
    operator_id, token = operator(system, "4802", "Đỗ Thị Hằng")
    opened = threading.Event()
    lines: list[str] = []
    timeout = httpx.Timeout(10.0, read=STREAM_END_BOUND)
    with (
        httpx.Client(base_url=system.review_url, timeout=timeout) as review,
        review.stream("GET", "/v1/review/events", headers=bearer(token)) as stream,
    ):
        assert stream.status_code == 200
        received = stream.iter_lines()
        for line in received:
            lines.append(line)
            if line.startswith("retry:"):
                opened.set()
                break
        assert opened.is_set()
        system.cli("operators", "disable", operator_id)
        # The stream must finish on its own: iter_lines returns; a ReadTimeout fails the test.
        lines.extend(received)
    again = httpx.get(f"{system.review_url}/v1/review/events", headers=bearer(token))
    assert again.status_code == 401


def submitted_case(system: System, fields: dict[str, Any]) -> tuple[str, str]:
    with httpx.Client(base_url=system.intake_url, timeout=30) as intake:
        declaration_id, token = a.create_draft(intake, fields)
        a.upload_images(intake, declaration_id, token, a.BAO_QR)
        reference = a.submit(intake, declaration_id, token)
        a.wait_for_status(intake, declaration_id, token, "awaiting_verification")
    return declaration_id, reference


def test_other_agencys_case_is_named_by_agency_and_status_only(system: System) -> None:
    # Three declarations with the same ID number and the same photo bytes: 4802, 4801, 4802.
    first_id, first_ref = submitted_case(system, {**a.unique_bao(), "agency_code": "4802"})
    other_id, other_ref = submitted_case(system, {**a.unique_bao(), "agency_code": "4801"})
    third_id, third_ref = submitted_case(system, {**a.unique_bao(), "agency_code": "4802"})
    _, token_4801 = operator(system, "4801", "Lê Văn Cường")
    _, token_4802 = operator(system, "4802", "Trần Thị Dung")
    with httpx.Client(base_url=system.review_url, timeout=30) as review:
        seen_4801 = review.get(f"/v1/review/declarations/{other_id}", headers=bearer(token_4801))
        seen_4802 = review.get(f"/v1/review/declarations/{third_id}", headers=bearer(token_4802))
    assert seen_4801.status_code == 200, seen_4801.text
    assert seen_4802.status_code == 200, seen_4802.text
    case_4801, case_4802 = seen_4801.json(), seen_4802.json()

    # The 4801 clerk: the signal (same ID, reused photos) stays, the 4802 cases are unnamed.
    assert {"agency_code": "4802", "status": "awaiting_verification"} in case_4801["same_id_number"]
    assert all("reference" not in d and "id" not in d for d in case_4801["same_id_number"])
    assert {
        "agency_code": "4802",
        "status": "awaiting_verification",
        "images": ["id_back", "id_front", "portrait"],
    } in case_4801["same_photos"]
    assert all("reference" not in d for d in case_4801["same_photos"] if d.get("agency_code"))
    reused = [f for f in case_4801["findings"] if f["code"] == "image_reused"]
    assert {f["image"] for f in reused} == {"portrait", "id_front", "id_back"}
    assert all("4802" in f["message"] for f in reused)
    shown = str(case_4801)
    for secret in (first_id, first_ref, third_id, third_ref):
        assert secret not in shown, secret
        assert secret.split("-")[-1] not in shown, secret

    # The 4802 clerk sees the own agency's earlier case by reference, 4801's only by code.
    assert {"reference": first_ref, "status": "awaiting_verification"} in case_4802[
        "same_id_number"
    ]
    assert {"agency_code": "4801", "status": "awaiting_verification"} in case_4802["same_id_number"]
    photos_4802 = case_4802["same_photos"]
    assert any(d.get("reference") == first_ref for d in photos_4802)
    assert any(d.get("agency_code") == "4801" and "reference" not in d for d in photos_4802)
    reused = [f for f in case_4802["findings"] if f["code"] == "image_reused"]
    assert reused
    assert all(first_ref in f["message"] for f in reused)
    assert other_ref not in str(case_4802)
    assert other_id not in str(case_4802)


def test_staff_page_headers_and_no_inline_script(system: System) -> None:
    page = httpx.get(f"{system.review_url}/")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"
    html = page.text
    # No inline script or style, and no on* handler attributes: everything comes from files.
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert "<style" not in html
    assert "style=" not in html
    assert re.findall(r"\son[a-z]+\s*=", html) == []
    for src in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        asset = httpx.get(f"{system.review_url}{src}")
        assert asset.status_code == 200, src
        assert asset.headers["x-content-type-options"] == "nosniff"
        assert asset.headers["content-type"].split(";")[0] in ("text/javascript", "text/css")
    missing = httpx.get(f"{system.review_url}/static/../../etc/passwd")
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("service", "method", "path"),
    [
        ("intake", "GET", "/health"),
        ("intake", "GET", "/v1/agencies"),
        ("intake", "GET", "/v1/declarations/nope"),  # 401
        ("intake", "POST", "/v1/declarations"),  # 422 on a missing body
        ("intake", "GET", "/no/such/route"),
        ("review", "GET", "/health"),
        ("review", "GET", "/v1/review/queue"),  # 401
        ("review", "GET", "/no/such/route"),
    ],
)
def test_every_api_answer_is_nosniff(system: System, service: str, method: str, path: str) -> None:
    base = system.intake_url if service == "intake" else system.review_url
    response = httpx.request(method, f"{base}{path}", content=b"{" if method == "POST" else None)
    assert response.headers.get("x-content-type-options") == "nosniff", (path, response.status_code)
