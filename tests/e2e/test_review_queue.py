"""The review queue pages and searches (CONTRACT v1.1 §4) on the running system.

Pages: `limit`, an opaque `cursor`, `Link: <...>; rel="next"` while there is more, and
`X-Total-Count`. `q` finds by reference, by name (accent-insensitive) or by ID number, the last
two through keyed hashes: the case documents carry neither the clear name nor the number.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pymongo import MongoClient

from tests.e2e.conftest import System
from tests.support import applicant as a

pytestmark = pytest.mark.e2e

SUBMITTED = 3


@pytest.fixture(scope="module")
def references(system: System) -> list[str]:
    """Three declarations of the same person, in submission order (the queue's order)."""
    made: list[tuple[str, str, str]] = []
    with httpx.Client(base_url=system.intake_url, timeout=30) as intake:
        for _ in range(SUBMITTED):
            declaration_id, token = a.create_draft(intake, a.unique_bao())
            a.upload_images(intake, declaration_id, token, a.BAO_QR)
            made.append((declaration_id, token, a.submit(intake, declaration_id, token)))
            # One at a time, so the order the cases open in is the submission order.
            a.wait_for_status(intake, declaration_id, token, "awaiting_verification")
    return [reference for _, _, reference in made]


@pytest.fixture(scope="module")
def review(system: System) -> Iterator[httpx.Client]:
    token = system.cli("operators", "add", "--agency", "4802", "--name", "Lê Văn Q")
    headers = {"Authorization": f"Bearer {token.splitlines()[-1]}"}
    with httpx.Client(base_url=system.review_url, headers=headers, timeout=30) as client:
        yield client


def next_link(response: httpx.Response) -> str | None:
    link = response.links.get("next")
    return link["url"] if link else None


def all_pages(
    review: httpx.Client, params: dict[str, str]
) -> tuple[list[list[dict[str, Any]]], set[str]]:
    """Follows `rel="next"` from the first page; returns every page and the totals reported."""
    pages, totals = [], set()
    response = review.get("/v1/review/queue", params=params)
    while True:
        assert response.status_code == 200, response.text
        pages.append(response.json())
        totals.add(response.headers["X-Total-Count"])
        next_url = next_link(response)
        if next_url is None:
            return pages, totals
        assert len(pages) <= SUBMITTED, "the pages never end"
        response = review.get(next_url)


def test_queue_pages_oldest_first_with_link_and_total(
    review: httpx.Client, references: list[str]
) -> None:
    pages, totals = all_pages(review, {"status": "awaiting_verification", "limit": "2"})
    assert [len(p) for p in pages] == [2, 1]
    assert totals == {str(SUBMITTED)}
    assert [c["reference"] for p in pages for c in p] == references

    whole = review.get("/v1/review/queue", params={"status": "awaiting_verification"})
    assert whole.headers["X-Total-Count"] == str(SUBMITTED)
    assert "link" not in whole.headers  # the default limit (50) holds everything: one page
    assert [c["reference"] for c in whole.json()] == references


def test_queue_refuses_bad_limits_and_cursors(review: httpx.Client, references: list[str]) -> None:
    for limit in ("0", "201", "many"):
        response = review.get("/v1/review/queue", params={"limit": limit})
        assert response.status_code == 422, (limit, response.status_code)
    assert review.get("/v1/review/queue", params={"limit": "200"}).status_code == 200
    for cursor in ("not-a-cursor", "Zm9v", "%%%"):
        response = review.get("/v1/review/queue", params={"cursor": cursor})
        assert response.status_code == 422, (cursor, response.text)
        assert response.json()["detail"][0]["code"] == "invalid_cursor"


@pytest.mark.parametrize(
    "q",
    [
        "Nguyễn Văn Bảo",
        "nguyen van bao",
        "  NGUYEN  VAN   BAO ",
        unicodedata.normalize("NFD", "Nguyễn Văn Bảo"),
        "048 090 900 101",
    ],
)
def test_q_finds_by_name_key_or_id_number(
    review: httpx.Client, references: list[str], q: str
) -> None:
    pages, totals = all_pages(review, {"limit": "2", "q": q})
    assert totals == {str(SUBMITTED)}
    assert [c["reference"] for p in pages for c in p] == references


def test_q_finds_by_reference_and_nothing_else(review: httpx.Client, references: list[str]) -> None:
    found = review.get("/v1/review/queue", params={"q": references[1].lower()})
    assert [c["reference"] for c in found.json()] == [references[1]]
    assert found.headers["X-Total-Count"] == "1"
    for q in ("Nguyễn Văn", "048090900102", "Trần Thị Bảo"):
        nothing = review.get("/v1/review/queue", params={"q": q})
        assert nothing.status_code == 200
        assert (nothing.json(), nothing.headers["X-Total-Count"]) == ([], "0"), q


def test_cases_keep_no_clear_name_or_id_number_and_history_apart(
    system: System, review: httpx.Client, references: list[str]
) -> None:
    case = review.get(f"/v1/review/declarations/by-reference/{references[0]}").json()
    assert any(e["action"] == "read" for e in case["audit"])
    client: MongoClient[dict[str, Any]] = MongoClient(system.env["VSSID_MONGO_URL"])
    try:
        db = client[system.env["VSSID_MONGO_DB"]]
        stored = db["cases"].find_one({"reference": references[0]})
        assert stored is not None
        text = json.dumps({k: v for k, v in stored.items() if k != "sealed"}, default=str)
        for clear in ("Bảo", "Bao", "bao", "048090900101"):
            assert clear not in text
        assert stored["name_hash"]
        assert stored["id_number_hash"]
        assert "audit" not in stored  # the trail is its own collection, not a growing array
        assert db["case_audit"].count_documents({"case_id": stored["_id"]}) >= 1
    finally:
        client.close()


def test_every_service_relay_finds_its_outbox_through_an_index(
    system: System, references: list[str]
) -> None:
    """The workers (ocr_qr, notifier) start their relay another way than the HTTP services:
    without the sparse index each relay pass scanned every scan and delivery ever stored."""
    client: MongoClient[dict[str, Any]] = MongoClient(system.env["VSSID_MONGO_URL"])
    try:
        db = client[system.env["VSSID_MONGO_DB"]]
        for name in ("declarations", "accounts", "scans", "deliveries", "cases"):
            keys = [dict(ix["key"]) for ix in db[name].list_indexes()]
            assert {"pending_events.id": 1} in keys, (name, keys)
    finally:
        client.close()
