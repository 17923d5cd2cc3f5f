"""Retention end for drafts never submitted and for withdrawn tombstones (intake's part)."""

from __future__ import annotations

from datetime import datetime, timedelta

from pymongo import ASCENDING

from vssid_intake.handlers import Intake
from vssid_intake.statuses import Status
from vssid_shared.retention import Retention, is_due
from vssid_shared.shredding import destroy_key


async def ensure_retention_indexes(intake: Intake) -> None:
    """The draft sweep reads drafts by last edit: on an index, not a scan of every declaration."""
    await intake.store.collection.create_index([("status", ASCENDING), ("updated_at", ASCENDING)])


async def sweep_drafts(intake: Intake, retention: Retention, now: datetime) -> int:
    """Drafts untouched for `draft_days` Vietnam days are discarded with their photos and key."""
    days = retention.draft_days
    query = {
        "status": Status.DRAFT,
        "updated_at": {"$lte": now - timedelta(days=max(days - 1, 0))},
    }
    removed = 0
    for doc in await intake.store.collection.find(query, {"images": 1, "updated_at": 1}).to_list(
        None
    ):
        if not is_due(doc["updated_at"], days, now):
            continue
        result = await intake.store.collection.delete_one(
            {"_id": doc["_id"], "status": Status.DRAFT, "updated_at": doc["updated_at"]}
        )
        if result.deleted_count:
            for meta in (doc.get("images") or {}).values():
                await intake.vault.delete(meta["file_id"])
            await destroy_key(intake.keys, doc["_id"], "retention:draft", now)
        removed += result.deleted_count
    return removed
