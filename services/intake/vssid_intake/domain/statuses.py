"""Declaration statuses as the applicant sees them, and which event moves to which."""

from __future__ import annotations

from enum import StrEnum

from vssid_shared.subjects import Event


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    AWAITING_VERIFICATION = "awaiting_verification"
    VERIFIED = "verified"
    REJECTED = "rejected"
    EXPIRED = "expired"


STATUS_BY_EVENT: dict[Event, Status] = {
    Event.AWAITING_VERIFICATION: Status.AWAITING_VERIFICATION,
    Event.VERIFIED: Status.VERIFIED,
    Event.REJECTED: Status.REJECTED,
    Event.EXPIRED: Status.EXPIRED,
}

# Redelivery and parallel consumers can bring events out of order: only move forward.
PREDECESSORS: dict[Status, tuple[Status, ...]] = {
    Status.AWAITING_VERIFICATION: (Status.SUBMITTED,),
    Status.VERIFIED: (Status.SUBMITTED, Status.AWAITING_VERIFICATION),
    Status.REJECTED: (Status.SUBMITTED, Status.AWAITING_VERIFICATION),
    Status.EXPIRED: (Status.SUBMITTED, Status.AWAITING_VERIFICATION),
}
