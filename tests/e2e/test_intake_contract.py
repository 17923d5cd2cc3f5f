"""Intake's HTTP contract (CONTRACT §3) against the running system."""

from __future__ import annotations

import concurrent.futures
import io
import os
from pathlib import Path

import httpx
import pillow_heif
import pytest
from PIL import Image
from pymongo import MongoClient

from tests.e2e.conftest import System
from tests.support import applicant as a
from tests.support.cards import render_card_photo
from tests.support.observe import stream_events
from vssid_shared.images import BUCKET
from vssid_shared.subjects import QR_UPLOAD_KIND

pytestmark = pytest.mark.e2e

BHYT = (
    "GD4484890012345|4e677579e1bb856e2056c4836e2042e1baa36f|15/03/1990|1|"
    "54e1bb9520352c204368c3ad6e68204769c3a16e2c205468616e68204b68c3aa2c20c490c3a0204ee1bab56e67|"
    "48 - 017|01/01/2024|31/12/2024|15/12/2023|48024890012345|-|4|01/01/2029|"
    "a4c123b1612dd272-d137|$"
)


@pytest.fixture
def intake(system: System) -> httpx.Client:
    return httpx.Client(base_url=system.intake_url, timeout=30)


def test_access_is_by_the_declarations_own_token(intake: httpx.Client) -> None:
    first, _ = a.create_draft(intake, {"full_name": "Nguyễn Văn Bảo"})
    _, other_token = a.create_draft(intake, {})
    assert intake.get(f"/v1/declarations/{first}").status_code == 401
    response = intake.get(f"/v1/declarations/{first}", headers=a.auth(other_token))
    assert response.status_code == 404
    assert response.json()["detail"][0]["code"] == "not_found"


def test_submit_lists_every_missing_field_and_image(intake: httpx.Client) -> None:
    declaration_id, token = a.create_draft(intake, {"full_name": "Trần Thị Mai Anh"})
    response = intake.post(f"/v1/declarations/{declaration_id}/submit", headers=a.auth(token))
    assert response.status_code == 422
    locs = {tuple(item["loc"]) for item in response.json()["detail"]}
    assert ("images", "portrait") in locs
    assert ("body", "phone") in locs
    assert all(item["message"] for item in response.json()["detail"])


def test_edit_while_draft_then_conflict_after_submit(intake: httpx.Client) -> None:
    declaration_id, token = a.create_draft(intake, {**a.BAO, "address": "cũ"})
    patched = intake.patch(
        f"/v1/declarations/{declaration_id}",
        headers=a.auth(token),
        json={"address": a.BAO["address"], "phone": "+84 905 123 456"},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["phone"] == "+84905123456"
    a.upload_images(intake, declaration_id, token, a.BAO_QR)
    a.submit(intake, declaration_id, token)
    again = intake.patch(
        f"/v1/declarations/{declaration_id}", headers=a.auth(token), json={"address": "mới"}
    )
    assert again.status_code == 409


def test_concurrent_submits_with_one_key_give_one_reference(
    intake: httpx.Client, system: System
) -> None:
    declaration_id, token = a.create_draft(intake, a.BAO)
    a.upload_images(intake, declaration_id, token, a.BAO_QR)

    def submit() -> httpx.Response:
        with httpx.Client(base_url=system.intake_url, timeout=30) as client:
            return client.post(
                f"/v1/declarations/{declaration_id}/submit",
                headers={**a.auth(token), "Idempotency-Key": "same-key"},
            )

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: submit(), range(4)))
    assert {r.status_code for r in answers} == {202}
    assert len({r.json()["reference"] for r in answers}) == 1
    events = a.eventually(
        lambda: stream_events(system.ops, "declarations.4802.submitted", declaration_id)
    )
    assert len(events) == 1


def test_a_refused_upload_keeps_the_previous_image(intake: httpx.Client) -> None:
    declaration_id, token = a.create_draft(intake, {})
    url = f"/v1/declarations/{declaration_id}/images/portrait"
    good = intake.put(
        url, headers=a.auth(token), files={"file": ("p.jpg", a.portrait_jpeg(), "image/jpeg")}
    )
    assert good.status_code == 201
    text = intake.put(
        url,
        headers=a.auth(token),
        files={"file": ("p.jpg", b"just text, not a photo", "image/jpeg")},
    )
    assert text.status_code == 415
    huge = intake.put(
        url,
        headers=a.auth(token),
        files={"file": ("p.jpg", os.urandom(11 * 1024 * 1024), "image/jpeg")},
    )
    assert huge.status_code == 413
    images = a.status_of(intake, declaration_id, token)["images"]
    assert [i["sha256"] for i in images] == [good.json()["sha256"]]


def heic_of(jpeg: bytes) -> bytes:
    out = io.BytesIO()
    pillow_heif.from_pillow(Image.open(io.BytesIO(jpeg))).save(out, quality=85)
    return out.getvalue()


def test_qr_decode_of_payloads_and_photos(intake: httpx.Client) -> None:
    cccd = intake.post("/v1/qr/decode", json={"payload": a.BAO_QR})
    assert cccd.status_code == 200, cccd.text
    assert cccd.json()["kind"] == "cccd"
    assert cccd.json()["fields"]["date_of_birth"] == "1990-03-15"
    bhyt = intake.post("/v1/qr/decode", json={"payload": BHYT})
    assert bhyt.json()["fields"]["social_insurance_number"] == "4890012345"
    photo = render_card_photo(a.BAO_QR, "phone", 7)
    found = intake.post("/v1/qr/decode", files={"file": ("card.jpg", photo, "image/jpeg")})
    assert found.status_code == 200, found.text
    assert found.json()["fields"]["full_name"] == "Nguyễn Văn Bảo"
    heic = intake.post("/v1/qr/decode", files={"file": ("card.heic", heic_of(photo), "image/heic")})
    assert heic.status_code == 200, heic.text  # an iPhone's default format, sent as taken
    assert heic.json()["fields"]["id_number"] == "048090900101"
    giant = io.BytesIO()
    Image.new("L", (8000, 8000), 255).save(giant, "PNG")  # 64 MP in a few dozen KiB
    refused = intake.post(
        "/v1/qr/decode", files={"file": ("big.png", giant.getvalue(), "image/png")}
    )
    assert refused.status_code == 413, refused.text
    assert refused.json()["detail"][0]["code"] == "too_many_pixels"
    nothing = intake.post(
        "/v1/qr/decode", files={"file": ("p.jpg", a.portrait_jpeg(), "image/jpeg")}
    )
    assert nothing.status_code == 422
    unknown = intake.post("/v1/qr/decode", json={"payload": "hello world"})
    assert unknown.status_code == 422
    website = render_card_photo("https://example.com/khong-phai-the", "clean", 12)
    other = intake.post("/v1/qr/decode", files={"file": ("qr.jpg", website, "image/jpeg")})
    assert other.status_code == 422
    assert other.json()["detail"][0]["code"] == "qr_payload_unknown"  # read, but no card


def test_a_photo_too_big_to_travel_inline_goes_by_claim_check(
    intake: httpx.Client, system: System
) -> None:
    """Over 900 KiB the photo waits, encrypted, in GridFS while a worker decodes it; then it
    is deleted: an autofill photo is never kept."""
    out = io.BytesIO()
    Image.open(io.BytesIO(render_card_photo(a.BAO_QR, "phone", 11))).save(out, "PNG")
    assert len(out.getvalue()) > 900 * 1024
    found = intake.post("/v1/qr/decode", files={"file": ("card.png", out.getvalue(), "image/png")})
    assert found.status_code == 200, found.text
    assert found.json()["fields"]["full_name"] == "Nguyễn Văn Bảo"
    client: MongoClient[dict[str, object]] = MongoClient(system.env["VSSID_MONGO_URL"])
    try:
        files = client[system.env["VSSID_MONGO_DB"]][f"{BUCKET}.files"]
        assert files.count_documents({"metadata.kind": QR_UPLOAD_KIND}) == 0
    finally:
        client.close()


def test_lookup_matches_without_accents(intake: httpx.Client, system: System) -> None:
    system.cli("registry", "import", "src/vssid/data/registry_sample.csv")
    response = intake.get(
        "/v1/social-insurance/lookup",
        params={
            "full_name": "NGUYEN VAN  BAO",
            "date_of_birth": "1990-03-15",
            "province_code": "48",
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["matches"] == [
        {
            "social_insurance_number": "4890012345",
            "full_name": "Nguyễn Văn Bảo",
            "date_of_birth": "1990-03-15",
        }
    ]


def test_login_before_activation_is_refused(intake: httpx.Client) -> None:
    """A declared, submitted, not yet verified number has no account: refused like a stranger."""
    fields = a.unique_bao()
    declaration_id, token = a.create_draft(intake, fields)
    a.upload_images(intake, declaration_id, token, a.BAO_QR)
    a.submit(intake, declaration_id, token)
    assert a.status_of(intake, declaration_id, token)["status"] != "verified"
    account = fields["social_insurance_number"]
    response = intake.post("/v1/auth/login", json={"account": account, "password": "x" * 10})
    assert response.status_code == 401
    assert response.json()["detail"][0]["code"] == "invalid_credentials"


def test_agencies_by_province_take_the_cccd_three_digit_code(intake: httpx.Client) -> None:
    """`province_code=048` (as on a CCCD) lists the same agencies as `48`, as the catalog does."""
    every = intake.get("/v1/agencies").json()
    province = every[0]["province_code"]
    two = intake.get("/v1/agencies", params={"province_code": province.lstrip("0")}).json()
    three = intake.get("/v1/agencies", params={"province_code": province.zfill(3)}).json()
    assert two == three
    assert two == [agency for agency in every if agency["province_code"] == province]


def test_unknown_accounts_are_locked_out_like_real_ones(intake: httpx.Client) -> None:
    """401 five times, then 429: the answers do not tell whether an account exists."""
    body = {"account": "4890054321", "password": "Đoán-mò-123"}
    codes = [intake.post("/v1/auth/login", json=body).status_code for _ in range(6)]
    assert codes == [401] * 5 + [429]
    other = intake.post("/v1/auth/login", json={**body, "account": "4890054322"})
    assert other.status_code == 401  # counted per login id, not per client


def test_an_imported_agency_catalog_replaces_the_bundled_one(
    intake: httpx.Client, system: System, tmp_path: Path
) -> None:
    csv_file = tmp_path / "agencies.csv"
    csv_file.write_text(
        "code,name,province_code,phone,address,parent_code,valid_from,valid_to\n"
        "4802,BHXH quận Thanh Khê,48,0236.3721163,Thanh Khê,,,\n"
        "4899,BHXH cơ sở Thử Nghiệm,48,,Đà Nẵng,,2026-01-01,\n",
        encoding="utf-8",
    )
    system.cli("agencies", "import", str(csv_file))

    def codes() -> set[str] | None:
        found = {a["code"] for a in intake.get("/v1/agencies").json()}
        return found if "4899" in found else None

    assert a.eventually(codes, 30) == {"4802", "4899"}


def test_lookups_beyond_the_rate_are_refused(intake: httpx.Client) -> None:
    """Last in this module: it spends this client's lookup budget for the next minute."""
    params = {"full_name": "Trần Thị Mai Anh", "date_of_birth": "1985-11-02", "province_code": "48"}
    answers = [intake.get("/v1/social-insurance/lookup", params=params) for _ in range(25)]
    codes = [answer.status_code for answer in answers]
    assert 200 in codes, codes
    assert codes[-1] == 429, codes
    assert codes.index(429) <= 20  # the default budget is 20 a minute
    assert answers[-1].json()["detail"][0]["code"] == "rate_limited"
