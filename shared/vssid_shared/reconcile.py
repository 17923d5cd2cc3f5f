"""Shared pieces of the reconcilers: which documents are stuck, and how a re-emit is claimed.

A reconciler finds documents of its own service that sat too long in a state another
service's event should have moved, and queues the event that moves them again, in the same
conditional update that counts the attempt (so replicas running side by side claim each
document once per period). Re-emitted events get a fresh id, so JetStream's duplicate window
cannot drop them, and carry `data.reconciled` = the attempt number: every consumer is
idempotent by state or key, and a consumer that already handled the original answers a
reconciled copy by re-queueing what it produced (see ocr_qr and review).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from vssid_shared.contracts.envelope import MARK, CloudEvent, echo, is_reconciled, marked
from vssid_shared.doc import Doc
from vssid_shared.outbox_record import PENDING, pending

FIELD = "reconcile"  # {"count": n, "at": last re-emit, "due": earliest next re-emit}
__all__ = ["FIELD", "MARK", "attempt", "claim", "echo", "is_reconciled", "marked", "stuck"]


def stuck(now: datetime, after_seconds: float, max_attempts: int) -> Doc:
    """Filter: nothing left in the outbox, never re-emitted or its next re-emit due, attempts
    left. (A document re-emitted before `due` existed is due one period after its last.)"""
    cutoff = now - timedelta(seconds=after_seconds)
    return {
        f"{PENDING}.0": {"$exists": False},
        f"{FIELD}.count": {"$not": {"$gte": max_attempts}},
        "$or": [
            {f"{FIELD}.at": {"$exists": False}},
            {f"{FIELD}.due": {"$lte": now}},
            {f"{FIELD}.due": {"$exists": False}, f"{FIELD}.at": {"$lte": cutoff}},
        ],
    }


def attempt(doc: Doc) -> int:
    """The number the next re-emit of this document carries."""
    return int((doc.get(FIELD) or {}).get("count", 0)) + 1


def claim(event: CloudEvent, now: datetime, after_seconds: float) -> Doc:
    """The update queueing `event` (re-emit number n) and counting the attempt; the next one
    is due after `after_seconds` * 2^(n-1). The backoff matters under a backlog: a case that is
    only slow (its consumer hours behind, say) would otherwise get one more copy every period,
    each adding to the very queue it waits in (seen in bench/faults.py: 474 re-emitted
    `verified` for 200 declarations behind a slow account activation)."""
    number = int(event.data.get(MARK) or 1)
    due = now + timedelta(seconds=after_seconds * 2 ** (number - 1))
    return {
        "$set": {f"{FIELD}.at": now, f"{FIELD}.due": due},
        "$inc": {f"{FIELD}.count": 1},
        "$push": {PENDING: pending(event)},
    }
