"""The applicant's rights over a declaration (Law 91/2025/QH15, CONTRACT §3): which statuses
may be withdrawn (a closed one is refused: `errors.NotDeletableError`)."""

from __future__ import annotations

from vssid_intake.domain.statuses import Status

# Submitted, not yet decided: the applicant may still take it back.
WITHDRAWABLE = (Status.SUBMITTED, Status.AWAITING_VERIFICATION)
WITHDRAWN = "withdrawn"  # a tombstone's status (no personal data left)
