"""Intake's reconciler: a submitted declaration that never reached awaiting_verification.

Intake owns the declarations and sees their whole way: `submitted` leaves from here, and the
status moves on only when review's `awaiting_verification` comes back. A declaration still
`submitted` after the reconcile period lost something on the way (its `submitted`, the
`scanned`, or the `awaiting_verification`): intake sends `submitted` again, and each service
down the line either does its work (it never saw it) or re-queues what it produced (it did).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta

from vssid_intake.domain.fields import apply_submit_defaults
from vssid_intake.handlers import Intake
from vssid_intake.retention_sweep import sweep_drafts
from vssid_intake.statuses import Status
from vssid_shared import metrics, reconcile
from vssid_shared.mongo import Doc
from vssid_shared.retention import Retention
from vssid_shared.subjects import Event

log = logging.getLogger(__name__)


@dataclass
class IntakeReconciler:
    intake: Intake
    after_seconds: float
    interval_seconds: float
    max_attempts: int
    retention: Retention | None = None  # drafts never submitted go in this loop too

    async def reconcile_once(self) -> int:
        """One pass: how many declarations got their `submitted` again."""
        now = self.intake.clock()
        store = self.intake.store
        query = {
            "status": Status.SUBMITTED,
            "submitted_at": {"$lte": now - timedelta(seconds=self.after_seconds)},
            **reconcile.stuck(now, self.after_seconds, self.max_attempts),
        }
        claimed = 0
        for doc in await store.collection.find(query).to_list(None):
            claimed += await self._resend(doc, query)
        if claimed:
            log.warning(
                "re-emitted events of stuck declarations",
                extra={"event": Event.SUBMITTED.value, "count": claimed},
            )
            self.intake.relay.kick()
        return claimed

    async def _resend(self, doc: Doc, query: Doc) -> int:
        fields = apply_submit_defaults(self.intake.store.open_fields(doc))
        event = self.intake.submitted_event(
            doc, fields, doc["reference"], submitted_at=doc["submitted_at"]
        )
        number = reconcile.attempt(doc)
        result = await self.intake.store.collection.update_one(
            {"_id": doc["_id"], **query},
            reconcile.claim(
                reconcile.marked(event, number), self.intake.clock(), self.after_seconds
            ),
        )
        if result.modified_count:
            log.info(
                "declaration stuck in submitted; sending submitted again",
                extra={"declaration_id": doc["_id"], "attempt": number},
            )
        return result.modified_count

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.interval_seconds)
            try:
                metrics.reconciled({Event.SUBMITTED.value: await self.reconcile_once()})
                if self.retention is not None:
                    await sweep_drafts(self.intake, self.retention, self.intake.clock())
            except Exception:
                log.exception("reconcile pass failed; the next one retries")
