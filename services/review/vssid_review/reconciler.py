"""Review's reconciler: cases whose next step never showed up in review's own data.

Review sees, in each case's delivery history (`case_deliveries`), the notifier's receipts
(`copy_mailed`, `notified`): they are the evidence that its events were acted on. A case
older than the reconcile period that is missing a receipt it should have gets the event that
causes it again:

- waiting for verification, the copy asked for: `awaiting_verification` (the copy mail);
- reminded of its deadline, with an e-mail: `expiring` (the reminder mail);
- verified: `verified`, when the initial-password SMS or (with an e-mail) the verified mail
  has no receipt. intake activates the account once per declaration and, for a re-emitted
  `verified`, queues its stored `account_activated` again (a lost one is healed too); the
  notifier sends once per key;
- rejected or expired, with an e-mail: `rejected` / `expired` (the status mail).

Consumers are idempotent: one that already acted re-queues its receipt instead of acting
twice. Runs in the sweeper's loop.
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
Receipts = Callable[[Doc], Awaitable[list[str]]]


@dataclass(frozen=True)
class Check:
    """Cases matching `query` (plus the stuck filter) lacking one of `receipts(case)` get
    `build(case)` again."""

    event: Event
    query: Doc
    receipts: Receipts
    build: Builder


@dataclass
class ReviewReconciler:
    review: Review
    after_seconds: float
    max_attempts: int

    def checks(self, cutoff: datetime) -> list[Check]:
        decided = {"$lte": cutoff}
        return [
            Check(
                Event.AWAITING_VERIFICATION,
                {
                    "status": CaseStatus.AWAITING_VERIFICATION,
                    "send_email_copy": True,
                    "opened_at": decided,
                },
                self._copy_receipts,
                self._copy_event,
            ),
            Check(
                Event.EXPIRING,
                {
                    "status": CaseStatus.AWAITING_VERIFICATION,
                    "reminded": True,
                    "reminded_at": decided,
                },
                self._mail_receipts("expiring"),
                self._contact_event(Event.EXPIRING),
            ),
            Check(
                Event.VERIFIED,
                # A held account gets no new password, hence no SMS: nothing to wait for.
                {
                    "status": CaseStatus.VERIFIED,
                    "decided_at": decided,
                    "account_held": {"$exists": False},
                },
                self._verified_receipts,
                self._decision_event(Event.VERIFIED),
            ),
            Check(
                Event.REJECTED,
                {"status": CaseStatus.REJECTED, "decided_at": decided},
                self._mail_receipts("rejected"),
                self._decision_event(Event.REJECTED),
            ),
            Check(
                Event.EXPIRED,
                {"status": CaseStatus.EXPIRED, "decided_at": decided},
                self._mail_receipts("expired"),
                self._contact_event(Event.EXPIRED),
            ),
        ]

    async def reconcile_once(self) -> dict[str, int]:
        """One pass: how many cases got each event again."""
        now = self.review.clock()
        cutoff = now - timedelta(seconds=self.after_seconds)
        stuck = reconcile.stuck(now, self.after_seconds, self.max_attempts)
        counts = {
            check.event.value: await self._resend(check, {**check.query, **stuck}, now)
            for check in self.checks(cutoff)
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

    async def _resend(self, check: Check, query: Doc, now: datetime) -> int:
        cases = self.review.cases.collection
        claimed = 0
        for case in await cases.find(query).to_list(None):
            if not await self._missing_receipt(case, await check.receipts(case)):
                continue
            event = await check.build(case)
            if event is None:
                continue
            number = reconcile.attempt(case)
            result = await cases.update_one(
                {"_id": case["_id"], **query},
                reconcile.claim(reconcile.marked(event, number), now, self.after_seconds),
            )
            if result.modified_count:
                log.info(
                    "case stuck; sending its event again",
                    extra={"declaration_id": case["_id"], "event": event.event.value},
                )
            claimed += result.modified_count
        return claimed

    async def _missing_receipt(self, case: Doc, receipts: list[str]) -> bool:
        for receipt in receipts:
            if not await self.review.cases.has_receipt(case["_id"], receipt):
                return True
        return False

    def _declaration(self, case: Doc) -> dict[str, str | None]:
        found: dict[str, str | None] = self.review.open_sealed(case).get("declaration", {})
        return found

    async def _copy_receipts(self, case: Doc) -> list[str]:
        return ["delivery:copy"]

    def _owed_mail(self, case: Doc, kind: str) -> list[str]:
        """A status mail is owed only to a declaration with an e-mail address."""
        return [f"delivery:{kind}"] if self._declaration(case).get("email") else []

    def _mail_receipts(self, kind: str) -> Receipts:
        async def receipts(case: Doc) -> list[str]:
            return self._owed_mail(case, kind)

        return receipts

    async def _verified_receipts(self, case: Doc) -> list[str]:
        decision = await self.review.cases.decision(case["_id"])
        # A re-issue's news goes to the owner (notifier's `mail_reissued`), not as `verified`.
        reissued = bool(decision and decision.get("reissue_password"))
        mail = [] if reissued else self._owed_mail(case, "verified")
        return ["delivery:sms_password", *mail]

    async def _copy_event(self, case: Doc) -> CloudEvent | None:
        declaration = self._declaration(case)
        if not declaration.get("email"):
            return None  # no address: no copy will ever be mailed, nothing is stuck
        return self.review.status_event(Event.AWAITING_VERIFICATION, case, declaration)

    def _contact(self, case: Doc) -> dict[str, str | None]:
        declaration = self._declaration(case)
        return {k: declaration.get(k) for k in ("full_name", "email", "social_insurance_number")}

    def _contact_event(self, event: Event) -> Builder:
        """`expiring` / `expired` as the sweeper builds them."""

        async def build(case: Doc) -> CloudEvent:
            return self.review.status_event(event, case, self._contact(case))

        return build

    def _decision_event(self, event: Event) -> Builder:
        """`verified` / `rejected` as `Review.decide` builds them, note and re-issue included."""

        async def build(case: Doc) -> CloudEvent:
            decision = await self.review.cases.decision(case["_id"])
            note = decision.get("note") if decision else None
            reissue = bool(decision and decision.get("reissue_password"))
            extra = {"reissue_password": True} if reissue else {}
            payload = {**self._contact(case), "note": note}
            return self.review.status_event(event, case, payload, **extra)

        return build
