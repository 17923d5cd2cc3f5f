"""A lost `account_activated`, healed: review's reconciler re-emits `verified` when a verified
case has no initial-password SMS receipt. If this declaration already activated the account,
the account exists and a second activation does nothing, so what went missing may be the
`account_activated` itself (deleted, or never consumed): its stored copy is queued again,
under a fresh id and marked reconciled. The notifier then sends the SMS with the same key (a
receiver that already has it keeps one) or, if it had sent it, re-queues only its receipt.

The stored copy holds the initial password sealed for the notifier; it is dropped when the
password is changed (the initial one no longer works, so it is never worth sending).
"""

from __future__ import annotations

import logging

from vssid_intake.adapters.accounts import AccountStore
from vssid_shared.envelope import CloudEvent
from vssid_shared.reconcile import MARK, echo

log = logging.getLogger(__name__)


async def resend_activation(store: AccountStore, key: str, verified: CloudEvent) -> bool:
    """Queue the account's stored `account_activated` again; False when there is none left."""
    stored = await store.activation_event(key, verified.subject)
    if stored is None:
        return False
    if not await store.requeue(key, verified.subject, echo(stored, verified)):
        return False
    log.warning(
        "account activated earlier but not confirmed; sending account_activated again",
        extra={
            "declaration_id": verified.subject,
            "event": "account_activated",
            "count": 1,
            "attempt": verified.data.get(MARK),
        },
    )
    return True
