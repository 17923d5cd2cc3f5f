"""The staff page keeps its queue current from the live events without refetching it.

A case that opens appears as a new row (its one row asked of the server by its reference), and
a case decided elsewhere (another clerk, the API) leaves the list of open cases, while the page
has fetched the queue's page exactly once: each event changes one row (issue 14: the page used
to reload the whole queue on every event).
"""

from __future__ import annotations

import httpx
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By

from tests.e2e import test_review_page as page
from tests.e2e.conftest import System
from tests.e2e.test_review_page import browser, console, queue_row, wait_until
from tests.support import applicant as a
from tests.support import staff

__all__ = ["browser"]  # the fixture, shared with the page's other tests

pytestmark = page.pytestmark  # e2e, and skipped without Chromium

# The queue's requests, by their `q`: pages have none (or the clerk's search), the row of a new
# case from the feed is asked for by its reference.
QUEUE_FETCHES = """
return performance.getEntriesByType("resource").map((e) => new URL(e.name))
  .filter((u) => u.pathname === "/v1/review/queue").map((u) => u.searchParams.get("q") || "");
"""


def test_live_events_change_rows_without_refetching_the_queue(
    system: System, browser: WebDriver
) -> None:
    member = staff.enrol(system, "4802", "Trần Văn E")
    token = member.token
    staff.sign_in_page(browser, system.review_url, member)
    wait_until(
        browser, "the queue loaded", lambda d: "hồ sơ" in d.find_element(By.ID, "shown").text
    )

    with httpx.Client(base_url=system.intake_url, timeout=30) as intake:
        declaration_id, access_token = a.create_draft(intake, a.unique_bao())
        a.upload_images(intake, declaration_id, access_token, a.BAO_QR)
        reference = a.submit(intake, declaration_id, access_token)
        wait_until(
            browser,
            f"a live row for {reference}",
            lambda d: d.find_elements(By.XPATH, queue_row(reference)),
        )
        review = httpx.Client(base_url=system.review_url, timeout=30)
        with review:
            decided = review.post(
                f"/v1/review/declarations/{declaration_id}/reject",
                json={"reason": "Không đến đối chiếu"},
                headers={"Authorization": f"Bearer {token}"},
            )
        assert decided.status_code == 200, decided.text
        wait_until(
            browser,
            f"the row of {reference} to leave the open queue",
            lambda d: not d.find_elements(By.XPATH, queue_row(reference)),
        )
    # One page, and the new case's one row asked for by its reference (its findings count is
    # not in the event); the decision changed the row with no request.
    assert browser.execute_script(QUEUE_FETCHES) == ["", reference]
    script_errors = [e for e in console(browser) if e.get("source") == "javascript"]
    assert script_errors == [], script_errors
