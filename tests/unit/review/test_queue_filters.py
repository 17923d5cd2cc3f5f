"""The queue's server-side filters (issue 17, CONTRACT §4 additions): `with_findings` and
`due_within`, counted and paged like the rest of the queue, on the in-memory ports."""

from __future__ import annotations

from datetime import timedelta

from tests.unit.review.test_handlers import CLERK, OPENED, make_deps, opened, parts
from vssid_review import handlers
from vssid_review.domain.cases import QueuePage
from vssid_review.ports import Deps

AWAITING = "awaiting_verification"


async def listed(
    deps: Deps,
    status: str | None = None,
    q: str = "",
    with_findings: bool = False,
    due_within: int | None = None,
) -> tuple[list[str], int]:
    """Every page, one case a page (so the cursor is exercised), and the count (the same on
    every page)."""
    seen: list[str] = []
    totals: set[int] = set()
    after = None
    while True:
        command = handlers.ListCases(CLERK, status, q, 1, after, with_findings, due_within)
        page: QueuePage = await handlers.list_cases(command, deps=deps)
        seen += [c["_id"] for c in page.items]
        totals.add(page.total)
        if page.next_key is None:
            assert len(totals) == 1
            return seen, totals.pop()
        after = page.next_key


async def test_findings_and_deadline_filters_count_and_page() -> None:
    deps = make_deps()
    _, _, _, clock = parts(deps)
    blurry = [{"code": "image_blurry", "severity": "warning", "message": "Ảnh mờ."}]
    # Visit window 30 days from 1 March (Vietnam): deadlines 31/03, 02/04, 02/04, 20/04.
    opened_on = [(0, blurry), (2, []), (2, blurry), (20, blurry)]
    ids = []
    for n, (day, findings) in enumerate(opened_on):
        clock.now = OPENED + timedelta(days=day, seconds=n)
        ids.append(await opened(deps, findings=findings))
    a, b, c, d = ids
    clock.now = OPENED + timedelta(days=27)  # 28 March in Vietnam: due within 5 = by 2 April
    assert await listed(deps) == (ids, 4)
    assert await listed(deps, with_findings=True) == ([a, c, d], 3)
    assert await listed(deps, due_within=5) == ([a, b, c], 3)
    assert await listed(deps, due_within=5, with_findings=True) == ([a, c], 2)
    assert await listed(deps, due_within=3) == ([a], 1)  # 31/03 is 3 days away
    assert await listed(deps, status=AWAITING, due_within=5) == ([a, b, c], 3)
    # A decided case has no visit due: it leaves the deadline filter, not the findings one.
    await handlers.verify_case(handlers.VerifyCase(CLERK, c, None), deps=deps)
    assert await listed(deps, due_within=5) == ([a, b], 2)
    assert await listed(deps, status="verified", due_within=5) == ([], 0)
    assert await listed(deps, status="verified", with_findings=True) == ([c], 1)
    # A search is filtered the same way.
    assert await listed(deps, q="Nguyễn Văn Bảo", with_findings=True) == ([a, c, d], 3)
    assert await listed(deps, q="Nguyễn Văn Bảo", due_within=5) == ([a, b], 2)
