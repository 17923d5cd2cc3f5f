"""Structure of the 12-digit CCCD number `PPP G YY RRRRRR` (DOMAIN §2)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Gender = Literal["male", "female"]

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
