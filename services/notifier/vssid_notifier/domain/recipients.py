"""Whom the notifier writes to about a declaration: kept from `submitted`, as little as needed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from vssid_shared.contracts import AgencyCard

CONTACT = ("full_name", "email", "social_insurance_number")


def kept_fields(fields: dict[str, Any], send_email_copy: bool) -> dict[str, Any]:
    """The declaration's fields the mails print: all of them for the PDF copy when one was
    asked for (and there is an address), else the contact alone; nothing without an e-mail."""
    if not fields.get("email"):
        return {}
    if send_email_copy:
        return dict(fields)
    return {k: fields.get(k) for k in CONTACT}


@dataclass(frozen=True)
class Recipient:
    """A declaration's recipient as the mails need it."""

    agency: AgencyCard
    fields: dict[str, Any]  # see `kept_fields`
    send_email_copy: bool = False
    submitted_at: datetime | None = None

    @property
    def email(self) -> str | None:
        found = self.fields.get("email")
        return str(found) if found else None
