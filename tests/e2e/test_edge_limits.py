"""The HTTP edge of intake and review under hostile bodies (issue 10 items 7 and 8): a body over
its route's limit is 413 before it is read whole; malformed input is 4xx in the error shape."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.conftest import System
from tests.support import applicant as a
from tests.support.edge import assert_error_shape, rss_bytes, send_hostile

pytestmark = pytest.mark.e2e
MIB = 1024 * 1024
HUGE = 150 * MIB
# Far less than the bodies sent: the server never held them.
RSS_ALLOWANCE = 40 * MIB
FILE_PART = (
    b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n'
    b"Content-Type: image/png\r\n\r\n"
)
DEEP = b"[" * 50_000  # deeper than any parser's recursion, smaller than the 64 KiB JSON limit


@pytest.fixture(scope="module")
def operator_token(system: System) -> str:
    return system.cli("operators", "add", "--agency", "4802", "--name", "Lê Thị Hạnh").split()[-1]


@pytest.fixture(scope="module")
def draft(system: System) -> tuple[str, str]:
    with httpx.Client(base_url=system.intake_url, timeout=30) as intake:
        return a.create_draft(intake, {"full_name": "Nguyễn Văn Bảo"})


@pytest.fixture(scope="module")
def case_id(system: System) -> str:
    """A declaration awaiting verification, so review's decisions reach their store."""
    with httpx.Client(base_url=system.intake_url, timeout=30) as intake:
        declaration_id, token = a.create_draft(intake, a.unique_bao())
        a.upload_images(intake, declaration_id, token, a.BAO_QR)
        a.submit(intake, declaration_id, token)
        a.wait_for_status(intake, declaration_id, token, "awaiting_verification")
    return declaration_id


def intake_pid(system: System) -> int:
    pid = system.processes["intake"].pid
    assert pid is not None
    return pid


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_huge_json_body_is_refused_without_being_read(system: System, chunked: bool) -> None:
    before = rss_bytes(intake_pid(system))
    answer = send_hostile(f"{system.intake_url}/v1/declarations", body_size=HUGE, chunked=chunked)
    assert_error_shape(answer, 413)
    assert answer.sent < 16 * MIB, answer.sent  # refused early: the rest was never taken in
    assert rss_bytes(intake_pid(system)) - before < RSS_ALLOWANCE
    assert httpx.get(f"{system.intake_url}/health").status_code == 200


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_huge_upload_is_refused_before_it_is_read(
    system: System, draft: tuple[str, str], chunked: bool
) -> None:
    declaration_id, token = draft
    before = rss_bytes(intake_pid(system))
    answer = send_hostile(
        f"{system.intake_url}/v1/declarations/{declaration_id}/images/portrait",
        method="PUT",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "multipart/form-data; boundary=x",
        },
        body_size=HUGE,
        chunked=chunked,
        prefix=FILE_PART,  # a well-formed start, so only the size can be wrong
    )
    assert_error_shape(answer, 413)
    assert answer.sent < 32 * MIB, answer.sent
    assert rss_bytes(intake_pid(system)) - before < RSS_ALLOWANCE


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_review_refuses_a_huge_body(system: System, operator_token: str, chunked: bool) -> None:
    answer = send_hostile(
        f"{system.review_url}/v1/review/declarations/x/reject",
        headers={"Authorization": f"Bearer {operator_token}"},
        body_size=HUGE,
        chunked=chunked,
    )
    assert_error_shape(answer, 413)


def test_a_two_megabyte_decode_payload_is_refused(system: System) -> None:
    payload = "0" * (2 * MIB)
    huge = httpx.post(f"{system.intake_url}/v1/qr/decode", json={"payload": payload}, timeout=30)
    assert_error_shape(huge, 413)
    # Under the body limit but longer than any QR code holds: refused, never sent to a worker.
    long = httpx.post(f"{system.intake_url}/v1/qr/decode", json={"payload": "0" * 10_000})
    assert_error_shape(long, 422)
    assert long.json()["detail"][0]["code"] == "payload_too_long"


def test_deeply_nested_json_is_a_4xx_on_every_route(
    system: System, draft: tuple[str, str], operator_token: str
) -> None:
    declaration_id, token = draft
    intake_routes = [
        ("POST", "/v1/declarations", {}),
        ("PATCH", f"/v1/declarations/{declaration_id}", a.auth(token)),
        ("POST", f"/v1/declarations/{declaration_id}/submit", a.auth(token)),
        ("POST", "/v1/qr/decode", {}),
        ("POST", "/v1/auth/login", {}),
        ("POST", "/v1/auth/change-password", {}),
    ]
    review = {"Authorization": f"Bearer {operator_token}"}
    review_routes = [
        ("POST", f"/v1/review/declarations/{declaration_id}/verify", review),
        ("POST", f"/v1/review/declarations/{declaration_id}/reject", review),
    ]
    for base, routes in ((system.intake_url, intake_routes), (system.review_url, review_routes)):
        for method, path, headers in routes:
            response = httpx.request(
                method,
                f"{base}{path}",
                content=DEEP,
                headers={**headers, "Content-Type": "application/json"},
                timeout=30,
            )
            assert 400 <= response.status_code < 500, (path, response.status_code, response.text)
            assert_error_shape(response)


def test_a_lone_surrogate_is_a_422_in_every_text_field(
    system: System, draft: tuple[str, str], operator_token: str, case_id: str
) -> None:
    declaration_id, token = draft
    lone = '"\\ud800"'
    headers = {"Content-Type": "application/json"}
    cases = [
        ("POST", f"{system.intake_url}/v1/declarations", "{}", {}),
        ("PATCH", f"{system.intake_url}/v1/declarations/{declaration_id}", "{}", a.auth(token)),
    ]
    for field in ("full_name", "address", "email", "phone", "social_insurance_number"):
        for method, url, _, extra in cases[:2]:
            body = f'{{"{field}": {lone}}}'
            response = httpx.request(
                method, url, content=body, headers={**headers, **extra}, timeout=30
            )
            assert 400 <= response.status_code < 500, (field, response.text)
            assert_error_shape(response)
    decode = httpx.post(
        f"{system.intake_url}/v1/qr/decode", content=f'{{"payload": {lone}}}', headers=headers
    )
    assert 400 <= decode.status_code < 500, decode.text
    assert_error_shape(decode)
    login = httpx.post(
        f"{system.intake_url}/v1/auth/login",
        content=f'{{"account": {lone}, "password": {lone}}}',
        headers=headers,
        timeout=30,
    )
    assert 400 <= login.status_code < 500, login.text
    assert_error_shape(login)
    review = {**headers, "Authorization": f"Bearer {operator_token}"}
    for decision, field in (("reject", "reason"), ("verify", "note")):
        response = httpx.post(
            f"{system.review_url}/v1/review/declarations/{case_id}/{decision}",
            content=f'{{"{field}": {lone}}}',
            headers=review,
            timeout=30,
        )
        assert_error_shape(response, 422)
    # Nothing was decided by the refused requests: the case still awaits verification.
    still = httpx.get(
        f"{system.review_url}/v1/review/declarations/{case_id}", headers=review, timeout=30
    )
    assert still.json()["status"] == "awaiting_verification"
