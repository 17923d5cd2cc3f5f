"""Deadlines as data: a timer claims due cases by conditional updates, safe with replicas."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

from vssid_review.domain import CaseStatus
from vssid_review.handlers import Review
from vssid_review.reconciler import ReviewReconciler
from vssid_review.retention_sweep import enforce_retention
from vssid_shared import metrics
from vssid_shared.clock import vn_date
from vssid_shared.mongo import Doc
from vssid_shared.outbox import PENDING, pending
from vssid_shared.retention import Retention
from vssid_shared.subjects import Event

log = logging.getLogger(__name__)

# Closed cases whose ID photos have no further purpose (DOMAIN.md §9: short retention).
PURGEABLE = (CaseStatus.REJECTED, CaseStatus.EXPIRED)


class Swept(NamedTuple):
    """What one pass claimed: reminders queued, cases expired, cases whose images were purged."""

    reminded: int
    expired: int
    purged: int


@dataclass
class Sweeper:
    review: Review
    reminder_days_before: int
    interval_seconds: float
    image_retention_days: int = 0
    reconciler: ReviewReconciler | None = None
    retention: Retention | None = None  # closed cases' data keys destroyed at retention end

    async def sweep_once(self) -> Swept:
        """One pass by Vietnam's calendar date; every step is a conditional update, so passes
        running side by side (replicas) claim each case once."""
        now = self.review.clock()
        today = vn_date(now)
        reminded = await self._remind(today, now)
        expired = await self._expire(today, now)
        # After expiry, so that with no retention an expired case's photos go in the same pass.
        purged = await self._purge_images(now)
        if self.retention is not None:
            await enforce_retention(self.review, self.retention, now)
        if reminded or expired:
            self.review.relay.kick()
        return Swept(reminded, expired, purged)

    async def _due(self, deadline: Doc) -> list[Doc]:
        """Open cases by deadline: the (status, deadline) index serves exactly this filter."""
        cases = self.review.cases.collection
        query = {"status": CaseStatus.AWAITING_VERIFICATION, "deadline": deadline}
        return await cases.find(query).to_list(None)

    async def _remind(self, today: date, now: datetime) -> int:
        last_reminder_day = (today + timedelta(days=self.reminder_days_before)).isoformat()
        # A reminder for a deadline already past would arrive together with the expiry: skip it.
        window = {"$lte": last_reminder_day, "$gte": today.isoformat()}
        claimed = 0
        # Already-reminded cases are skipped here, not in the query: they are few (open cases
        # within days of their deadline) and a second condition would leave the index unused.
        for case in await self._due(window):
            if case.get("reminded"):
                continue
            event = self.review.status_event(Event.EXPIRING, case, self._contact(case))
            result = await self.review.cases.collection.update_one(
                {
                    "_id": case["_id"],
                    "status": CaseStatus.AWAITING_VERIFICATION,
                    "reminded": {"$ne": True},
                },
                # `reminded_at`: the reconciler waits for the reminder's receipt from then on.
                {
                    "$set": {"reminded": True, "reminded_at": now},
                    "$push": {PENDING: pending(event)},
                },
            )
            claimed += result.modified_count
        return claimed

    async def _expire(self, today: date, now: datetime) -> int:
        claimed = 0
        for case in await self._due({"$lt": today.isoformat()}):
            event = self.review.status_event(Event.EXPIRED, case, self._contact(case))
            result = await self.review.cases.collection.update_one(
                {"_id": case["_id"], "status": CaseStatus.AWAITING_VERIFICATION},
                {
                    # The review clock, not the event's wall time: retention counts from here.
                    "$set": {"status": CaseStatus.EXPIRED, "decided_at": now, "purge_from": now},
                    "$push": {PENDING: pending(event)},
                },
            )
            if result.modified_count:
                entry = {"at": now, "action": "expired", "operator": None}
                await self.review.cases.audit(case["_id"], entry, entry_id=f"{case['_id']}:expired")
            claimed += result.modified_count
        return claimed

    async def _purge_images(self, now: datetime) -> int:
        """Deletes the photos of rejected and expired cases once their retention is over."""
        cases = self.review.cases.collection
        # `purge_from` is set when a case closes as rejected or expired and removed once its
        # photos are gone: its sparse index holds only the cases still to purge.
        query = {"purge_from": {"$lte": now - timedelta(days=self.image_retention_days)}}
        purged = 0
        for case in await cases.find(query, {"images": 1, "status": 1}).to_list(None):
            if case.get("status") not in PURGEABLE:
                continue
            # ImageVault belongs to intake, the only writer; deleting by id when retention ends
            # is the agreed exception. Delete before marking: a crash in between leaves the case
            # for the next pass, and deleting a file already gone is a no-op.
            for ref in (case.get("images") or {}).values():
                await self.review.vault.delete(ref["file_id"])
            result = await cases.update_one(
                {"_id": case["_id"], "images_purged": {"$ne": True}},
                {"$set": {"images_purged": True}, "$unset": {"purge_from": ""}},
            )
            if result.modified_count:
                entry = {"at": now, "action": "images_purged", "operator": None}
                await self.review.cases.audit(case["_id"], entry, entry_id=f"{case['_id']}:purged")
            purged += result.modified_count
        return purged

    def _contact(self, case: Doc) -> dict[str, str | None]:
        declaration = self.review.open_sealed(case).get("declaration", {})
        return {k: declaration.get(k) for k in ("full_name", "email", "social_insurance_number")}

    async def run(self) -> None:
        while True:
            try:
                metrics.swept(*await self.sweep_once())
            except Exception:
                log.exception("deadline sweep failed; next pass retries")
            if self.reconciler is not None:
                try:
                    metrics.reconciled(await self.reconciler.reconcile_once())
                except Exception:
                    log.exception("reconcile pass failed; next pass retries")
            await asyncio.sleep(self.interval_seconds)

    def start(self) -> asyncio.Task[None]:
        return asyncio.create_task(self.run(), name="deadline-sweeper")
