"""Intake activates an account only for a declaration it saw opened for review (issue 10.4)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from vssid_intake.domain.activation import check_activation_allowed
from vssid_intake.domain.errors import CaseNotOpenedError
from vssid_intake.domain.statuses import Status
from vssid_shared.clock import utc_now
from vssid_shared.envelope import CloudEvent, new_event
from vssid_shared.messaging import InvalidMessageError
from vssid_shared.subjects import Event


def verified(agency: str = "4802") -> CloudEvent:
    return new_event(
        Event.VERIFIED,
        source="tests",
        declaration_id=str(uuid.uuid4()),
        agency_code=agency,
        data={},
        clock=utc_now,
    )


def doc(status: str, agency: str = "4802") -> dict[str, Any]:
    return {"status": status, "agency_code": agency}


@pytest.mark.parametrize("status", [Status.AWAITING_VERIFICATION, Status.VERIFIED])
def test_an_opened_case_may_be_activated(status: Status) -> None:
    check_activation_allowed(doc(status), verified())


def test_a_case_not_yet_opened_is_retried_not_activated() -> None:
    with pytest.raises(CaseNotOpenedError):
        check_activation_allowed(doc(Status.SUBMITTED), verified())


@pytest.mark.parametrize("status", [Status.DRAFT, Status.REJECTED, Status.EXPIRED, None])
def test_a_case_review_never_opened_or_closed_is_refused(status: Status | None) -> None:
    with pytest.raises(InvalidMessageError):
        check_activation_allowed({"agency_code": "4802", "status": status}, verified())


def test_a_verified_event_for_another_agency_is_refused() -> None:
    with pytest.raises(InvalidMessageError):
        check_activation_allowed(doc(Status.AWAITING_VERIFICATION, "4801"), verified("4802"))
