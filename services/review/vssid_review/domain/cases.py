"""Case rules: the status machine, the visit deadline (Vietnam calendar days), the queue order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from vssid_shared.crypto import Keys
from vssid_shared.doc import Doc
from vssid_shared.text import name_key


class CaseStatus(StrEnum):
    AWAITING_VERIFICATION = "awaiting_verification"
    VERIFIED = "verified"
    REJECTED = "rejected"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"  # by the applicant (CONTRACT §4), never by staff


# Only an open case can be decided; a second decision is a conflict, never a silent overwrite.
DECIDABLE = (CaseStatus.AWAITING_VERIFICATION,)
# Closed cases whose ID photos have no further purpose (DOMAIN.md §9: short retention).
PURGEABLE = (CaseStatus.REJECTED, CaseStatus.EXPIRED)


def visit_deadline(opened_on: date, window_days: int) -> date:
    """The last day (inclusive) the applicant may come to the office."""
    return opened_on + timedelta(days=window_days)


def queue_key(opened_at: datetime, case_id: str) -> str:
    """The queue's sort key, oldest first: one indexed field, so a page starts by a range on it.

    ISO time in UTC with microseconds sorts as text; the id breaks ties between equal times.
    """
    return f"{opened_at.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S.%fZ')}|{case_id}"


def due_key(deadline: str, queue_key: str) -> str:
    """The key the queue is ordered by when filtered on the deadline (CONTRACT §4 `due_within`):
    the deadline (ISO date, fixed width) then the queue order, one indexed field, so "deadline
    on or before D" and "after the last one seen" are one range on it."""
    return f"{deadline}|{queue_key}"


def due_key_bound(due_by: date) -> str:
    """Every `due_key` of a deadline on or before `due_by` sorts below this (the next day)."""
    return (due_by + timedelta(days=1)).isoformat()


def in_queue_filter(case: Doc, *, with_findings: bool, due_by: date | None) -> bool:
    """The queue filters checked on one case (for the few a search finds): at least one
    finding; open, with its deadline on or before `due_by`."""
    if with_findings and not case.get("findings"):
        return False
    if due_by is None:
        return True
    open_case = case.get("status") == CaseStatus.AWAITING_VERIFICATION
    return open_case and str(case.get("deadline", "")) <= due_by.isoformat()


def name_hash(keys: Keys, full_name: str | None) -> str | None:
    """The keyed hash staff search a name by: accent- and case-insensitive, never clear text."""
    key = name_key(full_name) if full_name else ""
    return keys.lookup(f"name:{key}") if key else None


@dataclass(frozen=True)
class QueuePage:
    items: list[Doc]
    total: int
    next_key: str | None


@dataclass(frozen=True)
class Operator:
    id: str
    name: str
    agency_code: str
    client: str | None = None  # where this request came from, for the audit trail
