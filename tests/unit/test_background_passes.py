"""The background loops' one pass per service, on the fakes: review's sweeper pass runs the
deadline sweep and the reconciler and a failure of one spares the other; intake's reconciler
pass re-sends stuck declarations and, with retention on, discards stale drafts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.fakes import FakeCases, FrozenClock
from tests.unit.intake import test_handlers as intake_cases
from tests.unit.review import test_handlers as review_cases
from vssid_intake import handlers as intake
from vssid_intake.ports import ReconcilePolicy
from vssid_review import handlers as review
from vssid_shared.reconcile import MARK
from vssid_shared.retention import Retention
from vssid_shared.subjects import Event


class BrokenDeadlines(FakeCases):
    """The deadline query fails (say MongoDB timed out on it); everything else works."""

    async def open_with_deadline(self, *, first: str | None, last: str) -> list[dict[str, object]]:
        raise TimeoutError("deadline query timed out")


async def test_the_sweepers_pass_reconciles_even_when_the_sweep_fails(
    caplog: pytest.LogCaptureFixture,
) -> None:
    deps = review_cases.make_deps()
    cases = deps.cases = BrokenDeadlines()
    case_id = await review_cases.opened(deps)
    cases.relay(case_id)
    clock = deps.clock
    assert isinstance(clock, FrozenClock)
    clock.now += timedelta(minutes=16)
    await review.sweep_and_reconcile(review_cases.POLICY, deps=deps)
    assert "deadline sweep failed; next pass retries" in caplog.text
    [again] = cases.relay(case_id)  # the copy's event, by the reconciler
    assert (again.event, again.data[MARK]) == (Event.AWAITING_VERIFICATION, 1)


async def test_the_sweepers_pass_sweeps_even_when_the_reconciler_fails(
    caplog: pytest.LogCaptureFixture,
) -> None:
    deps = review_cases.make_deps()
    case_id = await review_cases.opened(deps)
    cases = deps.cases
    assert isinstance(cases, FakeCases)
    cases.relay(case_id)

    async def broken(*args: object, **kwargs: object) -> list[dict[str, object]]:
        raise TimeoutError("stuck query timed out")

    cases.stuck = broken  # type: ignore[method-assign]
    clock = deps.clock
    assert isinstance(clock, FrozenClock)
    clock.now += timedelta(days=31)  # past the visit deadline
    await review.sweep_and_reconcile(review_cases.POLICY, deps=deps)
    assert "reconcile pass failed; next pass retries" in caplog.text
    assert cases.docs[case_id]["status"] == "expired"
    assert [e.event for e in cases.relay(case_id)] == [Event.EXPIRED]


async def test_intakes_reconciler_pass_resends_and_discards_stale_drafts() -> None:
    deps = intake_cases.make_deps()
    declarations, _ = intake_cases.fakes(deps)
    declaration_id, _, _ = await intake_cases.submitted(deps)
    declarations.relay(declaration_id)
    stale, _ = await intake_cases.draft(deps)
    clock = deps.clock
    assert isinstance(clock, FrozenClock)
    without = ReconcilePolicy(after_seconds=600, interval_seconds=60, max_attempts=2)
    clock.now += timedelta(minutes=11)
    await intake.reconcile_and_retain(without, deps=deps)
    [event] = declarations.relay(declaration_id)
    assert event.event == Event.SUBMITTED
    assert stale in declarations.docs  # no retention configured: drafts stay

    with_retention = ReconcilePolicy(600, 60, 2, retention=Retention(draft_days=30))
    clock.now += timedelta(days=31)
    await intake.reconcile_and_retain(with_retention, deps=deps)
    assert stale not in declarations.docs
    assert [e.event for e in declarations.relay(declaration_id)] == [Event.SUBMITTED]
