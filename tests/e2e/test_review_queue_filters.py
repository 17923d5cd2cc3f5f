"""The queue's server-side filters (issue 17; additive to CONTRACT §4) on the running system:
`with_findings=true` and `due_within=N` keep `status`, `limit`, `cursor`, `Link` and
`X-Total-Count` as they are: the count and the pages are those of the filtered queue."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.conftest import System
from tests.e2e.test_review_queue import all_pages, review
from tests.support import applicant as a

__all__ = ["review"]  # the fixture: a bearer token's client of review
pytestmark = pytest.mark.e2e
WINDOW_DAYS = 30  # review's default visit window: a case opened today is due in 30 days


def open_two(system: System) -> list[str]:
    """Two cases of Nguyễn Văn Bảo, opened one after the other (the queue's order)."""
    made = []
    with httpx.Client(base_url=system.intake_url, timeout=30) as intake:
        for _ in range(2):
            declaration_id, token = a.create_draft(intake, a.unique_bao())
            a.upload_images(intake, declaration_id, token, a.BAO_QR)
            made.append(a.submit(intake, declaration_id, token))
            a.wait_for_status(intake, declaration_id, token, "awaiting_verification")
    return made


@pytest.fixture(scope="module")
def opened(system: System) -> list[str]:
    return open_two(system)


def listed(review: httpx.Client, **params: str) -> tuple[list[dict[str, Any]], set[str]]:
    """Every case over every page of one case each (following `Link`), and the totals seen."""
    pages, totals = all_pages(review, {"limit": "1", **params})
    return [c for p in pages for c in p], totals


def test_with_findings_counts_and_pages_only_warned_cases(
    review: httpx.Client, opened: list[str]
) -> None:
    every, _ = listed(review, status="awaiting_verification")
    assert [c["reference"] for c in every] == opened
    # (The test photos always draw findings: blur, the portrait's face count; a case without
    # any is the unit test's, tests/unit/review/test_queue_filters.py.)
    warned = [c["reference"] for c in every if c["findings"]]
    assert warned
    found, totals = listed(review, status="awaiting_verification", with_findings="true")
    assert [c["reference"] for c in found] == warned
    assert totals == {str(len(warned))}
    found, totals = listed(review, with_findings="true")  # over every status
    assert [c["reference"] for c in found] == warned
    assert totals == {str(len(warned))}


def test_due_within_days_of_the_deadline(review: httpx.Client, opened: list[str]) -> None:
    found, totals = listed(review, due_within=str(WINDOW_DAYS))
    assert [c["reference"] for c in found] == opened  # same deadline: the queue order
    assert totals == {str(len(opened))}
    assert {c["deadline"] for c in found} == {found[0]["deadline"]}
    found, totals = listed(review, due_within=str(WINDOW_DAYS - 1))
    assert (found, totals) == ([], {"0"})
    both, totals = listed(review, due_within=str(WINDOW_DAYS - 1), with_findings="true")
    assert (both, totals) == ([], {"0"})
    # A decided case has no visit due.
    none, totals = listed(review, status="verified", due_within=str(WINDOW_DAYS))
    assert (none, totals) == ([], {"0"})


@pytest.mark.parametrize("bad", ["-1", "367", "soon"])
def test_due_within_out_of_range_is_refused(review: httpx.Client, bad: str) -> None:
    response = review.get("/v1/review/queue", params={"due_within": bad})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "due_within"
