"""Login identifiers: the 10-digit social-insurance number or the 15-character BHYT card code."""

from __future__ import annotations

import re

SIN = re.compile(r"^\d{10}$")
BHYT_CODE = re.compile(r"^[A-Z]{2}[1-5]\d{2}\d{10}$")


def account_key(account: str) -> str | None:
    """The social-insurance number an identifier stands for; None when it is neither form."""
    text = account.strip().upper().replace(" ", "")
    if SIN.match(text):
        return text
    if BHYT_CODE.match(text):
        return text[-10:]
    return None
