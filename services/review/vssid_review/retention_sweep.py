"""Retention end for closed cases: the data key is destroyed (every copy, stream history
included, becomes unreadable) and the case keeps only what the audit needs."""

from __future__ import annotations

from datetime import datetime, timedelta

from pymongo import ASCENDING

from vssid_review.domain import CaseStatus
from vssid_review.handlers import Review
from vssid_shared.retention import Retention, cutoff, is_due
from vssid_shared.shredding import destroy_key

CLOSED = (CaseStatus.VERIFIED, CaseStatus.REJECTED, CaseStatus.EXPIRED, CaseStatus.WITHDRAWN)


async def ensure_retention_indexes(review: Review) -> None:
    """Closed cases by decision time, audit and receipts by time: the sweeps' filters."""
    await review.cases.collection.create_index([("status", ASCENDING), ("decided_at", ASCENDING)])
    await review.cases.audit_log.create_index([("at", ASCENDING)])
    await review.cases.deliveries.create_index([("at", ASCENDING)])


async def shred_due_cases(review: Review, retention: Retention, now: datetime) -> int:
    """One pass; conditional updates, so replicas side by side shred each case once."""
    shredded = 0
    for status in CLOSED:
        days = retention.days_after(status.value) or 0
        # A coarse bound the index can serve; `is_due` then decides by Vietnam dates.
        query = {
            "status": status,
            "decided_at": {"$lte": now - timedelta(days=max(days - 1, 0))},
            "shredded_at": {"$exists": False},
        }
        for case in await review.cases.collection.find(query, {"decided_at": 1}).to_list(None):
            if not is_due(case["decided_at"], days, now):
                continue
            await destroy_key(review.keys, case["_id"], f"retention:{status.value}", now)
            result = await review.cases.collection.update_one(
                {"_id": case["_id"], "shredded_at": {"$exists": False}},
                {"$set": {"shredded_at": now, "sealed": None}},
            )
            if result.modified_count:
                entry = {"at": now, "action": "shredded", "operator": None, "status": status}
                await review.cases.audit(case["_id"], entry, entry_id=f"{case['_id']}:shredded")
            shredded += result.modified_count
    return shredded


async def expire_records(review: Review, retention: Retention, now: datetime) -> int:
    """The audit trail and delivery receipts (no personal data in them) past their rows."""
    audit = await review.cases.audit_log.delete_many(
        {"at": {"$lt": cutoff(retention.audit_days, now)}}
    )
    receipts = await review.cases.deliveries.delete_many(
        {"at": {"$lt": cutoff(retention.deliveries_days, now)}}
    )
    return audit.deleted_count + receipts.deleted_count


async def enforce_retention(review: Review, retention: Retention, now: datetime) -> int:
    """One sweeper pass of review's rows of the retention table."""
    return await shred_due_cases(review, retention, now) + await expire_records(
        review, retention, now
    )
