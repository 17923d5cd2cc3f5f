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

FIELD = "reconcile"  # {"count": n, "at": last re-emit}
__all__ = ["FIELD", "MARK", "attempt", "claim", "echo", "is_reconciled", "marked", "stuck"]


def stuck(now: datetime, after_seconds: float, max_attempts: int) -> Doc:
    """Filter: nothing left in the outbox, not re-emitted in the last period, attempts left."""
    cutoff = now - timedelta(seconds=after_seconds)
    return {
        f"{PENDING}.0": {"$exists": False},
        f"{FIELD}.count": {"$not": {"$gte": max_attempts}},
        "$or": [{f"{FIELD}.at": {"$exists": False}}, {f"{FIELD}.at": {"$lte": cutoff}}],
    }


def attempt(doc: Doc) -> int:
    """The number the next re-emit of this document carries."""
    return int((doc.get(FIELD) or {}).get("count", 0)) + 1


def claim(event: CloudEvent, now: datetime) -> Doc:
    """The update queueing `event` and counting the attempt."""
    return {
        "$set": {f"{FIELD}.at": now},
        "$inc": {f"{FIELD}.count": 1},
        "$push": {PENDING: pending(event)},
    }
