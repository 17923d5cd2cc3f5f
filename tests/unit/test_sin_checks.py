"""The clerk's view of an active account: the registered phone, masked (issue 10 item 1)."""

from __future__ import annotations

import unicodedata

import pytest

from vssid_intake.domain.sin_findings import REGISTRY_MISMATCH, account_active_finding, mask_phone


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("0901234567", "090****567"),
        ("+84901234567", "090****567"),  # stored in E.164, read in the national form
        ("", None),
        (None, None),
        ("12345", "*****"),
    ],
)
def test_phone_is_masked_to_first_and_last_three_digits(
    phone: str | None, masked: str | None
) -> None:
    assert mask_phone(phone) == masked


def test_account_finding_says_since_when_and_the_masked_phone() -> None:
    finding = account_active_finding("2026-11-30T08:15:00+00:00", "090****567")
    assert finding["code"] == "account_already_active"
    assert finding["severity"] == "error"
    assert "từ 2026-11-30" in finding["message"]
    assert "090****567" in finding["message"]
    assert unicodedata.is_normalized("NFC", finding["message"])
    assert unicodedata.is_normalized("NFC", str(REGISTRY_MISMATCH["message"]))
