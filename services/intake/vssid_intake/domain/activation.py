"""When a `verified` event may activate an account: only for what intake saw opened for review."""

from __future__ import annotations

from typing import Any

from vssid_intake.domain.errors import CaseNotOpenedError
from vssid_intake.domain.statuses import Status
from vssid_shared.contracts import Envelope
from vssid_shared.message_errors import InvalidMessageError


def check_activation_allowed(doc: dict[str, Any], event: Envelope[Any]) -> None:
    """Defense in depth: activate only what intake itself saw review open for verification.

    A `verified` event alone is not enough, whoever could publish it: intake's own copy must
    be awaiting verification (or verified) and belong to the event's agency. Still `submitted`
    may be a race with intake's own `awaiting_verification` consumer: retried, then dead
    letters. A draft, a rejected or an expired declaration is never activated.
    """
    if doc.get("agency_code") != event.agency:
        raise InvalidMessageError("verified event for another agency's declaration")
    status = doc.get("status")
    if status == Status.SUBMITTED:
        raise CaseNotOpenedError("verified before intake saw the case opened for review")
    if status not in (Status.AWAITING_VERIFICATION, Status.VERIFIED):
        raise InvalidMessageError(f"verified event for a declaration in status {status!r}")
