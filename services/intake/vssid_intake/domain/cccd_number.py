"""Structure of the 12-digit CCCD number `PPP G YY RRRRRR` (DOMAIN §2)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

Gender = Literal["male", "female"]

# Birth-registration province codes of TT 07/2016/TT-BCA (63 provinces, pre-2025 map).
# The 2025 merger does not renumber existing cards, so this table stays valid for them.
PROVINCE_CODES: frozenset[str] = frozenset(
    (  # noqa: SIM905 (one table row per line reads better than 63 quoted strings)
        "001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 033 "
        "034 035 036 037 038 040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 "
        "067 068 070 072 074 075 077 079 080 082 083 084 086 087 089 091 092 093 094 095 096"
    ).split()
)
_CCCD = re.compile(r"^\d{12}$", re.ASCII)
FIRST_CENTURY = 1900  # G = 0/1 for 1900s, 2/3 for 2000s, ... 8/9 for 2300s


@dataclass(frozen=True)
class CccdParts:
    """The decoded fields of a CCCD number (`digits` is the number itself)."""

    digits: str
    province_code: str
    gender: Gender
    birth_year: int


def parse_cccd(number: str) -> CccdParts | None:
    """Decode a 12-digit CCCD number; None when it is not 12 digits."""
    if not _CCCD.fullmatch(number):
        return None
    digit = int(number[3])
    century = FIRST_CENTURY + 100 * (digit // 2)
    gender: Gender = "male" if digit % 2 == 0 else "female"
    return CccdParts(number, number[:3], gender, century + int(number[4:6]))


def century_sex_digit(birth_year: int, gender: Gender) -> int:
    """The G digit a person born in `birth_year` with `gender` has (1900 ≤ year < 2400)."""
    return 2 * ((birth_year - FIRST_CENTURY) // 100) + (0 if gender == "male" else 1)


def encode_birth(birth: date, gender: Gender) -> str:
    """The `GYY` digits (positions 4 to 6) expected for this birth date and gender."""
    return f"{century_sex_digit(birth.year, gender)}{birth.year % 100:02d}"


def is_known_province(code: str) -> bool:
    """Whether the PPP part is one of the 63 province codes (else likely born abroad)."""
    return code in PROVINCE_CODES
