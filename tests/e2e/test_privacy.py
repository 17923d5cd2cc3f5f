"""Issue 15 through the HTTP contract against the real stack: consent, export, DELETE
(discard / withdraw / 409) and crypto-shredding that reaches the stream's history."""

from __future__ import annotations

import asyncio
import unicodedata
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from tests.e2e.conftest import System
from tests.e2e.test_walking_skeleton import pdf_text_of
from tests.support import applicant as a
from tests.support.observe import mails_about, stream_events
from vssid_shared.crypto import Keys
from vssid_shared.settings import DEV_SECRET
from vssid_shared.shredding import DataKeyDestroyedError, attach_data_keys

pytestmark = pytest.mark.e2e


@pytest.fixture
def intake(system: System) -> httpx.Client:
    return httpx.Client(base_url=system.intake_url, timeout=30)


def operator(system: System) -> dict[str, str]:
    token = system.cli("operators", "add", "--agency", "4802", "--name", "Trần Văn E")
    return {"Authorization": f"Bearer {token.splitlines()[-1]}"}


def awaiting(intake: httpx.Client, fields: dict[str, Any]) -> tuple[str, str, str]:
    declaration_id, token = a.create_draft(intake, fields)
    a.upload_images(intake, declaration_id, token, a.BAO_QR)
    reference = a.submit(intake, declaration_id, token)
    a.wait_for_status(intake, declaration_id, token, "awaiting_verification")
    return declaration_id, token, reference


async def _open_all(system: System, declaration_id: str, sealed: list[str]) -> list[Any]:
    """Opens each sealed payload as any service would: the service key plus the data key."""
    client: AsyncMongoClient[Any] = AsyncMongoClient(system.env["VSSID_MONGO_URL"])
    try:
        keys = Keys(DEV_SECRET)
        ring = attach_data_keys(keys, client[system.env["VSSID_MONGO_DB"]], DEV_SECRET)
        await ring.load(declaration_id)
        opened: list[Any] = []
        for blob in sealed:
            try:
                opened.append(keys.events.open_json(blob, declaration_id))
            except DataKeyDestroyedError:
                opened.append(DataKeyDestroyedError)
        return opened
    finally:
        await client.close()


def sealed_in_stream(system: System, declaration_id: str) -> dict[str, str]:
    events = stream_events(system.ops, "declarations.4802.>", declaration_id)
    return {e["type"]: e["data"]["sealed"] for e in events if e["data"].get("sealed")}


def test_consent_text_is_served_versioned_in_two_languages(intake: httpx.Client) -> None:
    body = intake.get("/v1/consents/current").json()
    assert body["version"] == a.CONSENT["version"]
    assert "dữ liệu cá nhân" in body["text"]["vi"]
    assert unicodedata.is_normalized("NFC", body["text"]["vi"])
    assert "personal data" in body["text"]["en"]


def test_submit_needs_the_current_consent_and_records_it(intake: httpx.Client) -> None:
    fields = {k: v for k, v in a.unique_bao().items() if k != "consent"}
    declaration_id, token = a.create_draft(intake, fields)  # an old client's draft
    a.upload_images(intake, declaration_id, token, a.BAO_QR)
    url = f"/v1/declarations/{declaration_id}/submit"
    refused = intake.post(url, headers=a.auth(token))
    assert refused.status_code == 422
    [item] = [i for i in refused.json()["detail"] if i["code"] == "consent_required"]
    assert item["loc"] == ["body", "consent"]
    assert "đồng ý" in item["message"]
    declined = {"consent": {"version": a.CONSENT["version"], "accepted": False}}
    intake.patch(f"/v1/declarations/{declaration_id}", headers=a.auth(token), json=declined)
    assert intake.post(url, headers=a.auth(token)).status_code == 422
    forged = {"consent": {**a.CONSENT, "at": "2000-01-01T00:00:00+00:00"}}
    bad = intake.patch(f"/v1/declarations/{declaration_id}", headers=a.auth(token), json=forged)
    assert bad.status_code == 422
    given = intake.patch(
        f"/v1/declarations/{declaration_id}", headers=a.auth(token), json={"consent": a.CONSENT}
    )
    assert given.status_code == 200, given.text
    consent = given.json()["consent"]
    assert consent["version"] == a.CONSENT["version"]
    assert consent["accepted"] is True
    assert consent["client_address"] == "127.0.0.1"
    assert consent["at"].startswith("20")
    assert intake.post(url, headers=a.auth(token)).status_code == 202


def test_export_gives_everything_to_its_owner_only(intake: httpx.Client) -> None:
    fields = a.unique_bao()
    declaration_id, token = a.create_draft(intake, fields)
    a.upload_images(intake, declaration_id, token, a.BAO_QR)
    _, stranger = a.create_draft(intake, {})
    url = f"/v1/declarations/{declaration_id}/export"
    assert intake.get(url).status_code == 401
    assert intake.get(url, headers=a.auth(stranger)).status_code == 404
    body = intake.get(url, headers=a.auth(token)).json()
    assert body["fields"]["full_name"] == fields["full_name"]
    assert body["fields"]["email"] == fields["email"]
    assert body["consent"]["version"] == a.CONSENT["version"]
    assert sorted(i["kind"] for i in body["images"]) == ["id_back", "id_front", "portrait"]
    assert all(len(i["sha256"]) == 64 for i in body["images"])
    assert [e["status"] for e in body["timeline"]] == ["draft"]


def test_a_discarded_draft_is_gone(intake: httpx.Client) -> None:
    declaration_id, token = a.create_draft(intake, a.unique_bao())
    a.upload_images(intake, declaration_id, token, a.BAO_QR)
    _, stranger = a.create_draft(intake, {})
    url = f"/v1/declarations/{declaration_id}"
    assert intake.delete(url, headers=a.auth(stranger)).status_code == 404
    assert intake.delete(url, headers=a.auth(token)).status_code == 204
    assert intake.get(url, headers=a.auth(token)).status_code == 404


def test_withdrawal_leaves_the_queue_mails_once_and_shreds_stream_history(
    system: System, intake: httpx.Client
) -> None:
    fields = a.unique_bao()
    declaration_id, token, reference = awaiting(intake, fields)
    # Before: every sealed payload in the stream opens with the declaration's data key.
    before = sealed_in_stream(system, declaration_id)
    assert {"vssid.declaration.submitted.v1", "vssid.declaration.scanned.v1"} <= set(before)
    assert all(s.startswith("dk1:") for s in before.values())
    opened = asyncio.run(_open_all(system, declaration_id, list(before.values())))
    assert all(isinstance(o, dict) for o in opened)

    answer = intake.delete(f"/v1/declarations/{declaration_id}", headers=a.auth(token))
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "withdrawn"
    assert "email" not in answer.json()
    again = intake.delete(f"/v1/declarations/{declaration_id}", headers=a.auth(token))
    assert again.status_code == 200

    # After: the same stream copies can no longer be opened by anyone.
    after = asyncio.run(_open_all(system, declaration_id, list(before.values())))
    assert after == [DataKeyDestroyedError] * len(before)

    office = operator(system)
    with httpx.Client(base_url=system.review_url, timeout=30) as review:

        def withdrawn_case() -> dict[str, Any] | None:
            url = f"/v1/review/declarations/{declaration_id}"
            body: dict[str, Any] = review.get(url, headers=office).json()
            return body if body.get("status") == "withdrawn" else None

        case = a.eventually(withdrawn_case)
        assert case["fields"] == {}
        assert any(e["action"] == "withdrawn" and "rút lại" in e["reason"] for e in case["audit"])
        queue = review.get(
            "/v1/review/queue", params={"status": "awaiting_verification"}, headers=office
        ).json()
        assert declaration_id not in [item["id"] for item in queue]
        image = review.get(
            f"/v1/review/declarations/{declaration_id}/images/portrait", headers=office
        )
        assert image.status_code >= 400

    mails = a.eventually(
        lambda: [
            m for m in mails_about(system.mail_api_url, reference) if "rút lại" in m["Subject"]
        ]
    )
    assert len(mails) == 1
    assert mails[0]["To"][0]["Address"] == fields["email"]
    export = intake.get(f"/v1/declarations/{declaration_id}/export", headers=a.auth(token)).json()
    assert export["fields"] == {}
    assert export["images"] == []


def test_a_decided_declaration_answers_409_naming_the_office(
    system: System, intake: httpx.Client
) -> None:
    declaration_id, token, _ = awaiting(intake, a.unique_bao())
    with httpx.Client(base_url=system.review_url, timeout=30) as review:
        url = f"/v1/review/declarations/{declaration_id}/reject"
        decided = review.post(url, json={"reason": "Ảnh mờ"}, headers=operator(system))
        assert decided.status_code == 200, decided.text
    a.wait_for_status(intake, declaration_id, token, "rejected")
    refused = intake.delete(f"/v1/declarations/{declaration_id}", headers=a.auth(token))
    assert refused.status_code == 409
    [item] = refused.json()["detail"]
    assert item["code"] == "not_deletable"
    assert "BHXH quận Thanh Khê" in item["message"]
    assert "0236.3721163" in item["message"]


def test_the_copy_and_the_clerks_view_show_the_consent(
    system: System, intake: httpx.Client
) -> None:
    declaration_id, _, reference = awaiting(intake, a.unique_bao())
    with httpx.Client(base_url=system.review_url, timeout=30) as review:
        url = f"/v1/review/declarations/{declaration_id}"
        consent = review.get(url, headers=operator(system)).json()["fields"]["consent"]
    assert consent["version"] == a.CONSENT["version"]
    assert consent["accepted"] is True
    assert consent["client_address"] == "127.0.0.1"
    [copy] = a.eventually(lambda: mails_about(system.mail_api_url, reference))
    text = pdf_text_of(system.mail_api_url, copy["ID"])
    assert "Đồng ý xử lý dữ liệu cá nhân" in text
    assert f"Phiên bản {a.CONSENT['version']}" in text
