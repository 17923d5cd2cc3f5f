"""New passwords are judged by zxcvbn with the person's own data as the first guesses."""

from __future__ import annotations

import unicodedata

import pytest

from vssid_intake.domain.password_strength import Person, weakness
from vssid_intake.domain.passwords import hash_password, password_problem, verify_password

BAO = Person(
    full_name="Nguyễn Văn Bảo",
    social_insurance_number="4890012345",
    phone="0905123456",
    date_of_birth="1990-03-15",
    id_number="048090900101",
    email="bao.nguyen@example.com",
)


@pytest.mark.parametrize(
    ("password", "because"),
    [
        ("aaaaaaaa", "lặp lại"),
        ("12345678", "phổ biến"),
        ("qwertyuiop", "phổ biến"),
        ("abcdefghijk", "dãy ký tự"),
        ("4890012345", "thông tin cá nhân"),
        ("0905123456", "thông tin cá nhân"),
        ("Bao15031990", "thông tin cá nhân"),
        ("NguyenVanBao", "thông tin cá nhân"),
        ("Bảo@048090900101", "thông tin cá nhân"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password: str, because: str) -> None:
    reason = weakness(password, BAO)
    assert reason is not None
    assert because in reason
    assert reason == unicodedata.normalize("NFC", reason)


def test_the_persons_own_data_makes_an_otherwise_fair_password_weak() -> None:
    someone_else = Person(full_name="Trần Thị Mai Anh", social_insurance_number="4890099999")
    password = "nguyenvanbao0905123456"
    assert weakness(password, someone_else) is None
    assert weakness(password, BAO) is not None


@pytest.mark.parametrize("password", ["Mật-khẩu-mới-2026", "Tr4ng-Xanh-Biển-Rộng", "gà luộc mưa"])
def test_strong_passwords_pass(password: str) -> None:
    assert weakness(password, BAO) is None


def test_only_the_first_72_characters_are_estimated() -> None:
    assert weakness("a" * 72 + "Tr4ng-Xanh-Biển-Rộng" * 5, BAO) is not None
    assert weakness("Tr4ng-Xanh-Biển-Rộng" * 10, BAO) is None


def test_a_lone_surrogate_is_refused_not_a_crash() -> None:
    assert verify_password(hash_password("Tr4ng-Xanh"), "Tr4ng-Xanh\ud800") is False
    assert (
        password_problem("Tr4ng-Xanh-\ud800-Biển", "cũ") == "Mật khẩu mới chứa ký tự không hợp lệ."
    )
