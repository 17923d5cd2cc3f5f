"""Deadlines as data: a timer claims due cases by conditional updates, safe with replicas."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import date, timedelta

from vssid_review.domain import CaseStatus
from vssid_review.handlers import Review
from vssid_shared.clock import vn_date
from vssid_shared.mongo import Doc
from vssid_shared.outbox import PENDING, pending
from vssid_shared.subjects import Event

log = logging.getLogger(__name__)


@dataclass
class Sweeper:
    review: Review
    reminder_days_before: int
    interval_seconds: float

    async def sweep_once(self) -> tuple[int, int]:
        """(reminders, expiries) claimed in this pass, by Vietnam's calendar date."""
        today = vn_date(self.review.clock())
        reminded = await self._remind(today)
        expired = await self._expire(today)
        if reminded or expired:
            self.review.relay.kick()
        return reminded, expired

    async def _due(self, query: Doc) -> list[Doc]:
        cases = self.review.cases.collection
        return await cases.find({"status": CaseStatus.AWAITING_VERIFICATION, **query}).to_list(None)

    async def _remind(self, today: date) -> int:
        last_reminder_day = (today + timedelta(days=self.reminder_days_before)).isoformat()
        claimed = 0
        for case in await self._due(
            {"deadline": {"$lte": last_reminder_day}, "reminded": {"$ne": True}}
        ):
            event = self.review.status_event(Event.EXPIRING, case, self._contact(case))
            result = await self.review.cases.collection.update_one(
                {
                    "_id": case["_id"],
                    "status": CaseStatus.AWAITING_VERIFICATION,
                    "reminded": {"$ne": True},
                },
                {"$set": {"reminded": True}, "$push": {PENDING: pending(event)}},
            )
            claimed += result.modified_count
        return claimed

    async def _expire(self, today: date) -> int:
        claimed = 0
        for case in await self._due({"deadline": {"$lt": today.isoformat()}}):
            event = self.review.status_event(Event.EXPIRED, case, self._contact(case))
            result = await self.review.cases.collection.update_one(
                {"_id": case["_id"], "status": CaseStatus.AWAITING_VERIFICATION},
                {
                    "$set": {"status": CaseStatus.EXPIRED, "decided_at": event.time},
                    "$push": {
                        PENDING: pending(event),
                        "audit": {"at": event.time, "action": "expired", "operator": None},
                    },
                },
            )
            claimed += result.modified_count
        return claimed

    def _contact(self, case: Doc) -> dict[str, str | None]:
        declaration = self.review.open_sealed(case).get("declaration", {})
        return {k: declaration.get(k) for k in ("full_name", "email", "social_insurance_number")}

    async def run(self) -> None:
        while True:
            try:
                await self.sweep_once()
            except Exception:
                log.exception("deadline sweep failed; next pass retries")
            await asyncio.sleep(self.interval_seconds)

    def start(self) -> asyncio.Task[None]:
        return asyncio.create_task(self.run(), name="deadline-sweeper")


async def stop_task(task: asyncio.Task[None] | None) -> None:
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
