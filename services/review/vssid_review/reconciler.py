"""Review's reconciler: cases whose next step never showed up in review's own data.

Review sees, in each case's delivery history (`case_deliveries`), the notifier's receipts
(`copy_mailed`, `notified`): they are the evidence that its events were acted on. A case
waiting for its declaration copy longer than the reconcile period gets
`awaiting_verification` again; a verified case whose initial-password SMS never got a receipt
gets `verified` again (intake activates the account once per declaration, the notifier sends
once per key). Runs in the sweeper's loop.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from vssid_review.domain import CaseStatus
from vssid_review.handlers import Review
from vssid_shared import reconcile
from vssid_shared.envelope import CloudEvent
from vssid_shared.mongo import Doc
from vssid_shared.subjects import Event

log = logging.getLogger(__name__)

Builder = Callable[[Doc], Awaitable[CloudEvent | None]]


@dataclass
class ReviewReconciler:
    review: Review
    after_seconds: float
    max_attempts: int

    async def reconcile_once(self) -> dict[str, int]:
        """One pass: how many cases got each event again."""
        now = self.review.clock()
        cutoff = now - timedelta(seconds=self.after_seconds)
        stuck = reconcile.stuck(now, self.after_seconds, self.max_attempts)
        counts = {
            Event.AWAITING_VERIFICATION.value: await self._resend(
                {
                    "status": CaseStatus.AWAITING_VERIFICATION,
                    "send_email_copy": True,
                    "opened_at": {"$lte": cutoff},
                    **stuck,
                },
                "delivery:copy",
                self._copy_event,
                now,
            ),
            Event.VERIFIED.value: await self._resend(
                {
                    "status": CaseStatus.VERIFIED,
                    "decided_at": {"$lte": cutoff},
                    **stuck,
                },
                "delivery:sms_password",
                self._verified_event,
                now,
            ),
        }
        for event, count in counts.items():
            if count:
                log.warning(
                    "re-emitted events of stuck declarations",
                    extra={"event": event, "count": count},
                )
        if any(counts.values()):
            self.review.relay.kick()
        return counts

    async def _resend(self, query: Doc, receipt: str, build: Builder, now: datetime) -> int:
        """Cases matching `query` with no `receipt` in their delivery history get `build`'s
        event again."""
        cases = self.review.cases.collection
        claimed = 0
        for case in await cases.find(query).to_list(None):
            if await self.review.cases.has_receipt(case["_id"], receipt):
                continue
            event = await build(case)
            if event is None:
                continue
            number = reconcile.attempt(case)
            result = await cases.update_one(
                {"_id": case["_id"], **query}, reconcile.claim(reconcile.marked(event, number), now)
            )
            if result.modified_count:
                log.info(
                    "case stuck; sending its event again",
                    extra={"declaration_id": case["_id"], "event": event.event.value},
                )
            claimed += result.modified_count
        return claimed

    async def _copy_event(self, case: Doc) -> CloudEvent | None:
        declaration = self.review.open_sealed(case).get("declaration", {})
        if not declaration.get("email"):
            return None  # no address: no copy will ever be mailed, nothing is stuck
        return self.review.status_event(Event.AWAITING_VERIFICATION, case, declaration)

    async def _verified_event(self, case: Doc) -> CloudEvent:
        declaration = self.review.open_sealed(case).get("declaration", {})
        contact = {k: declaration.get(k) for k in ("full_name", "email", "social_insurance_number")}
        decision = await self.review.cases.decision(case["_id"])
        note = decision.get("note") if decision else None
        extra = {"reissue_password": True} if decision and decision.get("reissue_password") else {}
        return self.review.status_event(Event.VERIFIED, case, {**contact, "note": note}, **extra)
