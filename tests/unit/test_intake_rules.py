"""Intake's small rules: references, login identifiers, passwords, rate limit, PATCH merging."""

from __future__ import annotations

import re

from vssid_intake.domain.login_ids import account_key
from vssid_intake.domain.passwords import (
    hash_password,
    new_initial_password,
    password_problem,
    verify_password,
)
from vssid_intake.domain.reference import ALPHABET, new_reference


def test_reference_is_agency_prefixed_without_look_alikes() -> None:
    reference = new_reference("4802")
    assert re.fullmatch(r"4802-[A-Z0-9]{6}", reference)
    assert not set("01258BILOSZ") & set(ALPHABET)


def test_account_is_the_sin_or_a_bhyt_card_code() -> None:
    assert account_key("4890012345") == "4890012345"
    assert account_key("GD4484890012345") == "4890012345"
    assert account_key(" gd4484890012345 ") == "4890012345"
    assert account_key("48900123") is None
    assert account_key("GD9484890012345") is None  # benefit level is 1..5


def test_initial_password_rules() -> None:
    password = new_initial_password()
    assert len(password) >= 8
    assert " " not in password
    digest = hash_password(password)
    assert digest.startswith("$argon2id$")
    assert verify_password(digest, password)
    assert not verify_password(digest, password + "x")


def test_new_password_policy() -> None:
    assert password_problem("short", "old-password") is not None
    assert password_problem("has space in it", "old-password") is not None
    assert password_problem("same-password", "same-password") is not None
    assert password_problem("Mật-khẩu-mới-2026", "old-password") is None
