"""MongoDB adapter for cases: conditional transitions with their outbox in one document.

Every query here has the shape of one index (SecantusDB, like mongod, serves a filter from an
index only when the index covers its fields: equalities then one range), so its cost follows
what it returns, not how many cases the office ever had. What grows without bound lives in
collections of its own, appended to and read by case: the audit trail (`case_audit`) and the
delivery receipts (`case_deliveries`).
"""

from __future__ import annotations

import contextlib
from datetime import date, datetime, timedelta

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from vssid_review.domain.cases import (
    DECIDABLE,
    CaseStatus,
    QueuePage,
    due_key_bound,
    in_queue_filter,
)
from vssid_review.ports import CASES, StuckKind
from vssid_shared import reconcile
from vssid_shared.envelope import CloudEvent
from vssid_shared.mongo import Doc
from vssid_shared.outbox import PENDING, pending

COLLECTION = CASES  # also an outbox the relay drains

LIST_FIELDS = {"sealed": 0, PENDING: 0}
QUEUE_BY_STATUS = [("agency_code", ASCENDING), ("status", ASCENDING)]
# How much of a case's history its detail view carries: the newest entries.
HISTORY_LIMIT = 200


class CaseStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._collection = db[COLLECTION]
        self._audit_log = db["case_audit"]
        self._deliveries = db["case_deliveries"]

    async def ensure_indexes(self) -> None:
        cases = self._collection
        await cases.create_index([("agency_code", ASCENDING), ("queue_key", ASCENDING)])
        await cases.create_index(
            [("agency_code", ASCENDING), ("status", ASCENDING), ("queue_key", ASCENDING)]
        )
        # The queue's filters (CONTRACT §4): `with_findings` an equality on `warned`,
        # `due_within` open cases by `due_key` (deadline, then the queue order).
        for prefix in ([("agency_code", ASCENDING)], QUEUE_BY_STATUS):
            await cases.create_index([*prefix, ("warned", ASCENDING), ("queue_key", ASCENDING)])
        await cases.create_index([*QUEUE_BY_STATUS, ("due_key", ASCENDING)])
        await cases.create_index([*QUEUE_BY_STATUS, ("warned", ASCENDING), ("due_key", ASCENDING)])
        await cases.create_index([("reference", ASCENDING)], unique=True)
        await cases.create_index([("id_number_hash", ASCENDING)])
        await cases.create_index([("name_hash", ASCENDING)])
        await cases.create_index([("image_sha256", ASCENDING)])
        # The sweeper: open cases by deadline, and closed cases whose photos are still kept
        # (the field exists only until they are purged, so the index holds only those).
        await cases.create_index([("status", ASCENDING), ("deadline", ASCENDING)])
        await cases.create_index([("purge_from", ASCENDING)], sparse=True)
        await self._audit_log.create_index([("case_id", ASCENDING), ("at", DESCENDING)])
        await self._deliveries.create_index([("case_id", ASCENDING), ("at", DESCENDING)])
        # Retention: closed cases by decision time, audit and receipts by time.
        await cases.create_index([("status", ASCENDING), ("decided_at", ASCENDING)])
        await self._audit_log.create_index([("at", ASCENDING)])
        await self._deliveries.create_index([("at", ASCENDING)])

    async def open(self, case: Doc, event: CloudEvent) -> bool:
        try:
            await self._collection.insert_one({**case, PENDING: [pending(event)]})
        except DuplicateKeyError:
            return False
        return True

    async def get(self, case_id: str, agency_code: str) -> Doc | None:
        case = await self._collection.find_one({"_id": case_id}, {PENDING: 0})
        # By id alone, then the agency: the `_id` lookup is the one every server serves directly.
        return case if case is not None and case["agency_code"] == agency_code else None

    async def by_reference(self, reference: str, agency_code: str) -> Doc | None:
        case = await self._collection.find_one({"reference": reference}, {PENDING: 0})
        return case if case is not None and case["agency_code"] == agency_code else None

    async def queue(
        self,
        agency_code: str,
        status: str | None,
        *,
        limit: int,
        after: str | None,
        with_findings: bool = False,
        due_by: date | None = None,
    ) -> QueuePage:
        """One page of the agency's cases, oldest first, after the key of the last one seen;
        with a `due_by`, the open cases due by then, soonest deadline first."""
        query: Doc = {"agency_code": agency_code}
        key = "queue_key"
        if due_by is not None:
            if status and status != CaseStatus.AWAITING_VERIFICATION:
                return QueuePage([], 0, None)  # only an open case has a visit due
            status, key = CaseStatus.AWAITING_VERIFICATION, "due_key"
            query["due_key"] = {"$lt": due_key_bound(due_by)}
        if status:
            query["status"] = status
        if with_findings:
            query["warned"] = True
        total = await self._collection.count_documents(query)
        if after is not None:
            query[key] = {**query.get(key, {}), "$gt": after}
        cursor = self._collection.find(query, LIST_FIELDS).sort(key, ASCENDING)
        found = await cursor.limit(limit + 1).to_list(None)
        return self._page(found, total, limit, key)

    async def search(
        self,
        agency_code: str,
        status: str | None,
        *,
        reference: str,
        hashes: dict[str, str],
        limit: int,
        after: str | None,
        with_findings: bool = False,
        due_by: date | None = None,
    ) -> QueuePage:
        """Cases found by reference or by a keyed hash: one indexed equality each, merged here,
        the status and the filters checked on the few found.

        (An `$or` of them would be one query, but no server serves an `$or` from one index.)
        """
        found: dict[str, Doc] = {}
        lookups = [{"reference": reference}, *({k: v} for k, v in hashes.items())]
        for lookup in lookups:
            async for case in self._collection.find(lookup, LIST_FIELDS):
                if (
                    case["agency_code"] == agency_code
                    and (not status or case["status"] == status)
                    and in_queue_filter(case, with_findings=with_findings, due_by=due_by)
                ):
                    found[case["_id"]] = case
        ordered = sorted(found.values(), key=lambda c: str(c.get("queue_key", "")))
        later = [c for c in ordered if after is None or str(c.get("queue_key", "")) > after]
        return self._page(later[: limit + 1], len(ordered), limit)

    @staticmethod
    def _page(found: list[Doc], total: int, limit: int, key: str = "queue_key") -> QueuePage:
        items = found[:limit]
        more = len(found) > limit and items
        return QueuePage(items, total, items[-1][key] if more else None)

    async def decide(
        self, case_id: str, agency_code: str, status: CaseStatus, event: CloudEvent
    ) -> bool:
        """A conditional update: of two concurrent decisions exactly one matches."""
        update: Doc = {"status": status, "decided_at": event.time}
        if status == CaseStatus.REJECTED:
            update["purge_from"] = event.time
        result = await self._collection.update_one(
            {"_id": case_id, "agency_code": agency_code, "status": {"$in": list(DECIDABLE)}},
            {"$set": update, "$push": {PENDING: pending(event)}},
        )
        return result.modified_count == 1

    async def audit(self, case_id: str, entry: Doc, *, entry_id: str | None = None) -> None:
        """Appends to the case's audit trail; an `entry_id` makes the append happen once."""
        doc = {**entry, "case_id": case_id}
        if entry_id is not None:
            doc["_id"] = entry_id
        # A duplicate is the same entry, written by a pass that ran before.
        with contextlib.suppress(DuplicateKeyError):
            await self._audit_log.insert_one(doc)

    async def delivered(self, case_id: str, receipt: Doc) -> None:
        """Records a delivery receipt once per event, however often the event comes."""
        doc = {**receipt, "_id": receipt["event_id"], "case_id": case_id}
        with contextlib.suppress(DuplicateKeyError):
            await self._deliveries.insert_one(doc)

    async def has_receipt(self, case_id: str, action: str) -> bool:
        """Whether a delivery receipt (`delivery:<kind>`) reached this case's history."""
        found = self._deliveries.find({"case_id": case_id}, {"action": 1})
        return any([d.get("action") == action async for d in found])

    async def decision(self, case_id: str) -> Doc | None:
        """The decision's audit entry (written once per case, see `handlers.decide_case`)."""
        return await self._audit_log.find_one({"_id": f"{case_id}:decision"})

    async def history(self, case_id: str) -> list[Doc]:
        """The audit trail and delivery receipts of one case, oldest first, newest kept."""
        entries: list[Doc] = []
        for collection in (self._audit_log, self._deliveries):
            cursor = collection.find({"case_id": case_id}, {"_id": 0, "case_id": 0})
            entries += await cursor.sort("at", DESCENDING).limit(HISTORY_LIMIT).to_list(None)
        entries.sort(key=lambda e: e["at"])
        return entries[-HISTORY_LIMIT:]

    async def mark_account_held(self, case_id: str, reason: str | None) -> None:
        await self._collection.update_one(
            {"_id": case_id}, {"$set": {"account_held": reason or "account_active"}}
        )

    async def others_with_id_number(self, id_number_hash: str, case_id: str) -> list[Doc]:
        # By the hash alone (answered from its index); the rest is checked on the few found.
        open_or_done = (CaseStatus.AWAITING_VERIFICATION, CaseStatus.VERIFIED)
        cursor = self._collection.find(
            {"id_number_hash": id_number_hash}, {"reference": 1, "status": 1, "agency_code": 1}
        )
        return [c async for c in cursor if c["_id"] != case_id and c["status"] in open_or_done]

    async def others_with_images(
        self, hashes: list[str], case_id: str, limit: int = 20
    ) -> list[Doc]:
        """Other cases submitted with any of these photo bytes (by sha256), the latest first;
        at most `limit`: a photo reused that often is a finding whatever the exact count."""
        shown = {"reference": 1, "status": 1, "agency_code": 1, "image_sha256": 1, "opened_at": 1}
        cursor = self._collection.find({"image_sha256": {"$in": hashes}}, shown)
        others = [c async for c in cursor.limit(limit + 1) if c["_id"] != case_id]
        others.sort(key=lambda c: c["opened_at"], reverse=True)
        return others[:limit]

    async def migrate_history(self) -> int:
        """Cases of the old layout (history inside the case) rewritten; 0 once migrated."""
        from vssid_review.adapters.case_migration import migrate

        return await migrate(self._collection, self)

    async def migrate_filter_keys(self) -> int:
        """Cases stored before the queue filters given `warned` and `due_key` (after
        `migrate_history`, which gives old cases their `queue_key`); 0 once done."""
        from vssid_review.adapters.case_migration import add_filter_keys

        return await add_filter_keys(self._collection)

    # --- the sweeper: deadlines as data, claimed by conditional updates ----------------------

    async def open_with_deadline(self, *, first: str | None, last: str) -> list[Doc]:
        """Open cases whose deadline (ISO date) is in [first, last], or before `last` when
        `first` is None; the (status, deadline) index serves exactly this filter."""
        deadline: Doc = {"$lte": last} if first is not None else {"$lt": last}
        if first is not None:
            deadline["$gte"] = first
        query = {"status": CaseStatus.AWAITING_VERIFICATION, "deadline": deadline}
        return await self._collection.find(query).to_list(None)

    async def claim_reminder(self, case_id: str, event: CloudEvent, now: datetime) -> bool:
        """Queues the `expiring` reminder once per case."""
        result = await self._collection.update_one(
            {
                "_id": case_id,
                "status": CaseStatus.AWAITING_VERIFICATION,
                "reminded": {"$ne": True},
            },
            # `reminded_at`: the reconciler waits for the reminder's receipt from then on.
            {"$set": {"reminded": True, "reminded_at": now}, "$push": {PENDING: pending(event)}},
        )
        return result.modified_count == 1

    async def claim_expiry(self, case_id: str, event: CloudEvent, now: datetime) -> bool:
        """Closes an open case as expired, with its `expired` event, once."""
        result = await self._collection.update_one(
            {"_id": case_id, "status": CaseStatus.AWAITING_VERIFICATION},
            {
                # The review clock, not the event's wall time: retention counts from here.
                "$set": {"status": CaseStatus.EXPIRED, "decided_at": now, "purge_from": now},
                "$push": {PENDING: pending(event)},
            },
        )
        return result.modified_count == 1

    async def photos_to_purge(self, closed_before: datetime) -> list[Doc]:
        """Closed cases whose photos' retention ended: `purge_from` exists only until they are
        purged, so its sparse index holds only the cases still to purge."""
        query = {"purge_from": {"$lte": closed_before}}
        return await self._collection.find(query, {"images": 1, "status": 1}).to_list(None)

    async def mark_images_purged(self, case_id: str) -> bool:
        result = await self._collection.update_one(
            {"_id": case_id, "images_purged": {"$ne": True}},
            {"$set": {"images_purged": True}, "$unset": {"purge_from": ""}},
        )
        return result.modified_count == 1

    # --- re-queueing: a reconciler's re-emits and a reopened case -----------------------------

    async def awaiting(self, case_id: str) -> Doc | None:
        """The case if it is still open (awaiting verification), any agency."""
        return await self._collection.find_one(
            {"_id": case_id, "status": CaseStatus.AWAITING_VERIFICATION}, {PENDING: 0}
        )

    async def requeue(self, case_id: str, event: CloudEvent) -> bool:
        """Queues `event` again for an open case."""
        result = await self._collection.update_one(
            {"_id": case_id, "status": CaseStatus.AWAITING_VERIFICATION},
            {"$push": {PENDING: pending(event)}},
        )
        return result.modified_count == 1

    def _stuck(
        self, kind: StuckKind, now: datetime, after_seconds: float, max_attempts: int
    ) -> Doc:
        """The cases of one reconcile check (see `handlers.resend_stuck_cases`), older than
        the reconcile period, attempts left, their next re-emit due."""
        decided = {"$lte": now - timedelta(seconds=after_seconds)}
        stuck = reconcile.stuck(now, after_seconds, max_attempts)
        queries: dict[StuckKind, Doc] = {
            "copy": {
                "status": CaseStatus.AWAITING_VERIFICATION,
                "send_email_copy": True,
                "opened_at": decided,
            },
            "expiring": {
                "status": CaseStatus.AWAITING_VERIFICATION,
                "reminded": True,
                "reminded_at": decided,
            },
            # A held account gets no new password, hence no SMS: nothing to wait for.
            "verified": {
                "status": CaseStatus.VERIFIED,
                "decided_at": decided,
                "account_held": {"$exists": False},
            },
            "rejected": {"status": CaseStatus.REJECTED, "decided_at": decided},
            "expired": {"status": CaseStatus.EXPIRED, "decided_at": decided},
        }
        return {**queries[kind], **stuck}

    async def stuck(
        self, kind: StuckKind, now: datetime, after_seconds: float, max_attempts: int
    ) -> list[Doc]:
        """The cases of the check `kind` past the reconcile period, attempts left."""
        query = self._stuck(kind, now, after_seconds, max_attempts)
        return await self._collection.find(query).to_list(None)

    async def claim_resend(
        self,
        kind: StuckKind,
        case_id: str,
        event: CloudEvent,
        now: datetime,
        after_seconds: float,
        max_attempts: int,
    ) -> bool:
        """Queues `event` again and counts the attempt, if the case is still stuck."""
        query = {"_id": case_id, **self._stuck(kind, now, after_seconds, max_attempts)}
        claim = reconcile.claim(event, now, after_seconds)
        result = await self._collection.update_one(query, claim)
        return result.modified_count == 1

    # --- the applicant's withdrawal and retention ------------------------------------------

    async def withdraw(self, case_id: str, at: datetime) -> bool:
        """An open case leaves the queue, its sealed data and lookup hashes with it; once."""
        result = await self._collection.update_one(
            {"_id": case_id, "status": {"$in": list(DECIDABLE)}},
            {
                "$set": {"status": CaseStatus.WITHDRAWN, "decided_at": at, "sealed": None},
                "$unset": {"name_hash": "", "id_number_hash": ""},
            },
        )
        return result.modified_count == 1

    async def closed_unshredded(self, status: CaseStatus, decided_before: datetime) -> list[Doc]:
        """Closed cases of `status` decided before then, their data key not yet destroyed."""
        query = {
            "status": status,
            "decided_at": {"$lte": decided_before},
            "shredded_at": {"$exists": False},
        }
        return await self._collection.find(query, {"decided_at": 1}).to_list(None)

    async def mark_shredded(self, case_id: str, now: datetime) -> bool:
        result = await self._collection.update_one(
            {"_id": case_id, "shredded_at": {"$exists": False}},
            {"$set": {"shredded_at": now, "sealed": None}},
        )
        return result.modified_count == 1

    async def expire_records(self, audit_before: datetime, deliveries_before: datetime) -> int:
        """The audit trail and delivery receipts (no personal data in them) past their rows."""
        audit = await self._audit_log.delete_many({"at": {"$lt": audit_before}})
        receipts = await self._deliveries.delete_many({"at": {"$lt": deliveries_before}})
        return audit.deleted_count + receipts.deleted_count
