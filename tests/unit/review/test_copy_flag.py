"""Review's `awaiting_verification` says whether a copy was asked for (issue 13): the
notifier reads the kept recipient only for the declarations that asked."""

from __future__ import annotations

from tests.unit.review.test_handlers import CLERK, make_deps, opened, parts
from vssid_review import handlers
from vssid_shared.subjects import Event


async def test_awaiting_verification_carries_the_copy_flag_and_decisions_do_not() -> None:
    deps = make_deps()
    cases, *_ = parts(deps)
    asked, not_asked = await opened(deps), await opened(deps, send_email_copy=False)
    [with_copy] = cases.relay(asked)
    [without] = cases.relay(not_asked)
    assert (with_copy.event, with_copy.data["send_email_copy"]) == (
        Event.AWAITING_VERIFICATION,
        True,
    )
    assert without.data["send_email_copy"] is False
    assert set(without.data) <= {"reference", "deadline", "send_email_copy", "reissue_password"}
    await handlers.verify_case(handlers.VerifyCase(CLERK, asked, "ok"), deps=deps)
    [verified] = cases.relay(asked)
    assert verified.event == Event.VERIFIED
    assert "send_email_copy" not in verified.data


async def test_a_case_from_before_the_flag_says_nothing_and_the_notifier_reads() -> None:
    deps = make_deps()
    cases, *_ = parts(deps)
    case_id = await opened(deps)
    cases.relay(case_id)
    del cases.docs[case_id]["send_email_copy"]
    event = handlers.status_event(Event.AWAITING_VERIFICATION, cases.docs[case_id], {}, deps=deps)
    assert "send_email_copy" not in event.data
