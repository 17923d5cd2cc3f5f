"""How guessable a new password is (zxcvbn), with the person's own data as things to guess first.

zxcvbn (Dropbox's estimator; the maintained `zxcvbn` package on PyPI) scores 0-4 from the cheapest
way to guess a password: common passwords and words, repeats, sequences, keyboard walks, dates,
and the `user_inputs` we give it: the person's name, social-insurance number, phone, birth date
and ID number in the forms people type them. The password is also scored with its Vietnamese
diacritics removed ("Bảo1990" is "bao1990" to a guesser), and the weaker score counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from zxcvbn import zxcvbn

from vssid_shared.text import name_key

MIN_SCORE = 3  # zxcvbn: "safely unguessable: moderate protection from offline slow-hash attack"
MAX_ESTIMATED = 72  # zxcvbn refuses longer input; a long password is judged by its start

REASONS = {  # zxcvbn pattern → why, in Vietnamese; the first pattern found in this order wins
    "user_inputs": "có chứa thông tin cá nhân của bạn (họ tên, mã số BHXH, số điện thoại, "
    "ngày sinh hoặc số giấy tờ)",
    "passwords": "là mật khẩu phổ biến, kẻ gian thử đầu tiên",
    "repeat": "lặp lại một ký tự hoặc một cụm ký tự",
    "sequence": "là một dãy ký tự liên tiếp (như 12345678 hoặc abcdef)",
    "spatial": "là các phím liền nhau trên bàn phím (như qwerty)",
    "date": "có chứa một ngày tháng dễ đoán",
    "dictionary": "chỉ gồm những từ thông dụng",
}
ADVICE = "Hãy dùng một cụm từ dài hơn, ví dụ ba bốn từ ít gặp nối với nhau."


@dataclass(frozen=True)
class Person:
    """What a guesser who knows the person would try; any part may be missing."""

    full_name: str = ""
    social_insurance_number: str = ""
    phone: str = ""
    date_of_birth: str = ""  # ISO
    id_number: str = ""
    email: str = ""

    @classmethod
    def from_fields(cls, fields: dict[str, Any], sin: str) -> Person:
        document = fields.get("id_document") or {}
        return cls(
            full_name=str(fields.get("full_name") or ""),
            social_insurance_number=sin,
            phone=str(fields.get("phone") or ""),
            date_of_birth=str(fields.get("date_of_birth") or ""),
            id_number=str(document.get("number") or "") if isinstance(document, dict) else "",
            email=str(fields.get("email") or ""),
        )

    def guesses(self) -> list[str]:
        found: list[str] = []
        for name in {self.full_name.casefold(), name_key(self.full_name)}:
            parts = name.split()
            found += [*parts, "".join(parts), "".join(parts[-2:]) if parts else ""]
        found += [self.social_insurance_number, self.id_number, self.email.split("@")[0]]
        found += _phone_forms(self.phone) + _date_forms(self.date_of_birth)
        return sorted({g for g in found if len(g) >= 3})


def _phone_forms(phone: str) -> list[str]:
    digits = "".join(ch for ch in phone if ch.isdigit())
    if not digits:
        return []
    national = "0" + digits[2:] if digits.startswith("84") else digits
    return [national, national[1:], "84" + national[1:], national[-6:], national[-4:]]


def _date_forms(iso: str) -> list[str]:
    try:
        born = date.fromisoformat(iso)
    except ValueError:
        return []
    d, m, y = f"{born.day:02d}", f"{born.month:02d}", f"{born.year:04d}"
    short = f"{born.day}{born.month}"
    return [d + m + y, y + m + d, d + m + y[2:], y, d + m, f"{d}/{m}/{y}", short]


def _fold(password: str) -> str:
    """The password casefolded, without diacritics and with đ→d, character by character."""
    return "".join(folded if len(folded := name_key(ch)) == 1 else ch for ch in password)


def _estimate(password: str, guesses: list[str]) -> tuple[int, list[dict[str, Any]]]:
    """zxcvbn's score (0-4) and the cheapest match sequence it found."""
    result = zxcvbn(password[:MAX_ESTIMATED], user_inputs=guesses)
    return int(result["score"]), cast("list[dict[str, Any]]", result["sequence"])


def weakness(password: str, person: Person) -> str | None:
    """A Vietnamese sentence saying why the password is too weak, or None when it is strong.

    zxcvbn is not thread-safe (it keeps the user inputs in a module global): call it on one
    thread only; it takes milliseconds for the lengths it accepts.
    """
    guesses = person.guesses()
    results = [_estimate(candidate, guesses) for candidate in {password, _fold(password)}]
    score, sequence = min(results, key=lambda result: result[0])
    if score >= MIN_SCORE:
        return None
    return f"Mật khẩu mới quá dễ đoán: {_reason(sequence)}. {ADVICE}"


def _reason(sequence: Iterable[dict[str, Any]]) -> str:
    kinds = set()
    for match in sequence:
        kinds.add(match.get("pattern"))
        if match.get("pattern") == "dictionary":
            kinds.add(match.get("dictionary_name"))
    for kind, reason in REASONS.items():
        if kind in kinds:
            return reason
    return "quá ngắn hoặc quá đơn giản"
