"""The queue's server-side filters (issue 17; additive to CONTRACT §4) on the running system:
`with_findings=true` and `due_within=N` keep `status`, `limit`, `cursor`, `Link` and
`X-Total-Count` as they are: the count and the pages are those of the filtered queue."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import System
from tests.e2e.test_review_queue import review
from tests.support import applicant as a

__all__ = ["review"]  # the fixture: a bearer token's client of review
pytestmark = pytest.mark.e2e
WINDOW_DAYS = 30  # review's default visit window: a case opened today is due in 30 days
MAX_PAGES = 10


def open_case(system: System, fields: dict[str, Any], photos: dict[str, bytes] | None) -> str:
    """One case of Nguyễn Văn Bảo, open once this returns (so cases queue in call order)."""
    with httpx.Client(base_url=system.intake_url, timeout=30) as intake:
        declaration_id, token = a.create_draft(intake, fields)
        a.upload_images(intake, declaration_id, token, a.BAO_QR, photos)
        reference = a.submit(intake, declaration_id, token)
        a.wait_for_status(intake, declaration_id, token, "awaiting_verification")
    return reference


def open_two(system: System) -> list[str]:
    """Two cases with findings (the default test photos: a blank portrait, photos seen before;
    a social-insurance number the registry does not know), one after the other."""
    return [open_case(system, a.unique_bao(), None) for _ in range(2)]


def registered(system: System, tmp_path: Path) -> dict[str, Any]:
    """A Bảo whose social-insurance number the registry lists with his name and birth date."""
    fields = a.unique_bao()
    system.cli("registry", "import", str(a.registry_csv(tmp_path / "registry.csv", [fields])))
    return fields


def open_clean(system: System, tmp_path: Path) -> str:
    """A case without findings: registered number, clean photos of its own, QR matching."""
    return open_case(system, registered(system, tmp_path), a.clean_photos())


@pytest.fixture(scope="module")
def opened(system: System, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bool]:
    """Four cases in queue order, clean and warned in turn: reference → has findings."""
    folder = tmp_path_factory.mktemp("registry")
    made = {}
    for warned in (False, True, False, True):
        reference = open_case(system, a.unique_bao(), None) if warned else None
        made[reference or open_clean(system, folder)] = warned
    return made


def listed(review: httpx.Client, **params: str) -> tuple[list[dict[str, Any]], set[str]]:
    """Every case over every page of one case each (following `Link`), and the totals seen."""
    pages, totals = [], set()
    response = review.get("/v1/review/queue", params={"limit": "1", **params})
    while True:
        assert response.status_code == 200, response.text
        pages.append(response.json())
        totals.add(response.headers["X-Total-Count"])
        link = response.links.get("next")
        if link is None:
            break
        assert len(pages) <= MAX_PAGES, "the pages never end"
        response = review.get(link["url"])
    assert all(len(p) == 1 for p in pages[:-1])
    return [c for p in pages for c in p], totals


def test_with_findings_counts_and_pages_only_warned_cases(
    review: httpx.Client, opened: dict[str, bool]
) -> None:
    every, totals = listed(review, status="awaiting_verification")
    assert [c["reference"] for c in every] == list(opened)
    assert totals == {str(len(opened))}
    # The split is real: clean cases carry no finding at all, the others some.
    assert {c["reference"]: c["findings"] > 0 for c in every} == opened
    warned = [reference for reference, has in opened.items() if has]
    assert len(warned) == 2
    found, totals = listed(review, status="awaiting_verification", with_findings="true")
    assert [c["reference"] for c in found] == warned
    assert all(c["findings"] > 0 for c in found)
    assert totals == {str(len(warned))}
    found, totals = listed(review, with_findings="true")  # over every status
    assert [c["reference"] for c in found] == warned
    assert totals == {str(len(warned))}


def test_a_clean_case_has_no_finding_to_show(review: httpx.Client, opened: dict[str, bool]) -> None:
    """What the clerk opens: no finding, the QR read and matching what was typed."""
    every, _ = listed(review, status="awaiting_verification")
    for row in every:
        if opened[row["reference"]]:
            continue
        case = review.get(f"/v1/review/declarations/{row['id']}").json()
        assert case["findings"] == []
        assert case["qr_found"] is True
        assert case["discrepancies"] == []


def test_due_within_days_of_the_deadline(review: httpx.Client, opened: dict[str, bool]) -> None:
    found, totals = listed(review, due_within=str(WINDOW_DAYS))
    assert [c["reference"] for c in found] == list(opened)  # same deadline: the queue order
    assert totals == {str(len(opened))}
    assert {c["deadline"] for c in found} == {found[0]["deadline"]}
    found, totals = listed(review, due_within=str(WINDOW_DAYS - 1))
    assert (found, totals) == ([], {"0"})
    both, totals = listed(review, due_within=str(WINDOW_DAYS - 1), with_findings="true")
    assert (both, totals) == ([], {"0"})
    both, totals = listed(review, due_within=str(WINDOW_DAYS), with_findings="true")
    assert [c["reference"] for c in both] == [r for r, has in opened.items() if has]
    assert totals == {"2"}
    # A decided case has no visit due.
    none, totals = listed(review, status="verified", due_within=str(WINDOW_DAYS))
    assert (none, totals) == ([], {"0"})


@pytest.mark.parametrize("bad", ["-1", "367", "soon"])
def test_due_within_out_of_range_is_refused(review: httpx.Client, bad: str) -> None:
    response = review.get("/v1/review/queue", params={"due_within": bad})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "due_within"
