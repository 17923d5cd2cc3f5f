"""Brings cases stored before issue 14 to the current shape, once per database.

Older cases have no `queue_key` (the queue's index would not list them), no `purge_from` (the
sweeper would never purge their photos) and keep their audit trail in an array inside the case.
This walks every case once, which is why it runs at start-up and marks itself done: the next
start reads one document instead.
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from vssid_review.domain.cases import CaseStatus, due_key, queue_key
from vssid_shared.mongo import Doc

if TYPE_CHECKING:
    from vssid_review.adapters.cases import CaseStore

log = logging.getLogger(__name__)

MARK = "cases-history-apart-v1"
FILTERS_MARK = "cases-queue-filters-v1"
CLOSED_WITH_PHOTOS = (CaseStatus.REJECTED, CaseStatus.EXPIRED)


async def migrate(cases: AsyncCollection[Doc], store: CaseStore) -> int:
    """Returns how many cases were rewritten (0 when the database was migrated before)."""
    marks = cases.database["migrations"]
    if await marks.find_one({"_id": MARK}) is not None:
        return 0
    changed = 0
    async for case in cases.find({}, {"sealed": 0, "pending_events": 0}):
        update = _update_for(case)
        for n, entry in enumerate(case.get("audit") or []):
            await _move_entry(store, case["_id"], n, entry)
        if update:
            await cases.update_one({"_id": case["_id"]}, update)
            changed += 1
    with contextlib.suppress(DuplicateKeyError):  # another replica finished first
        await marks.insert_one({"_id": MARK, "cases": changed})
    if changed:
        log.info("cases migrated to their indexed shape", extra={"cases": changed})
    return changed


def _update_for(case: Doc) -> Doc:
    fields: Doc = {}
    if "queue_key" not in case and case.get("opened_at"):
        fields["queue_key"] = queue_key(case["opened_at"], case["_id"])
    closed = case.get("status") in CLOSED_WITH_PHOTOS
    if closed and not case.get("images_purged") and "purge_from" not in case:
        fields["purge_from"] = case.get("decided_at") or case.get("opened_at")
    update: Doc = {"$set": fields} if fields else {}
    if "audit" in case:
        update["$unset"] = {"audit": ""}
    return update


async def _move_entry(store: CaseStore, case_id: str, n: int, entry: Doc) -> None:
    """Keyed by position, so a migration cut short and run again moves nothing twice."""
    if str(entry.get("action", "")).startswith("delivery:") and entry.get("event_id"):
        await store.delivered(case_id, entry)
    else:
        await store.audit(case_id, entry, entry_id=f"{case_id}:moved:{n}")


async def add_filter_keys(cases: AsyncCollection[Doc]) -> int:
    """Cases stored before the queue's server-side filters (issue 17) get `warned` and
    `due_key`, the fields the filters' indexes read; once per database, like `migrate`."""
    marks = cases.database["migrations"]
    if await marks.find_one({"_id": FILTERS_MARK}) is not None:
        return 0
    changed = 0
    shown = {"findings": 1, "deadline": 1, "queue_key": 1, "warned": 1, "due_key": 1}
    async for case in cases.find({}, shown):
        fields: Doc = {}
        if "warned" not in case:
            fields["warned"] = bool(case.get("findings"))
        if "due_key" not in case and case.get("deadline") and case.get("queue_key"):
            fields["due_key"] = due_key(case["deadline"], case["queue_key"])
        if fields:
            await cases.update_one({"_id": case["_id"]}, {"$set": fields})
            changed += 1
    with contextlib.suppress(DuplicateKeyError):
        await marks.insert_one({"_id": FILTERS_MARK, "cases": changed})
    return changed
