"""The insured-persons registry behind the social-insurance-number lookup: rows and match keys."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from vssid_shared.text import name_key, nfc

COLUMNS = ("social_insurance_number", "full_name", "date_of_birth", "gender", "province_code")
SIN = re.compile(r"^\d{10}$")
PROVINCE = re.compile(r"^\d{2,3}$")
GENDERS = {"male": "male", "female": "female", "nam": "male", "nữ": "female"}


@dataclass(frozen=True)
class InsuredPerson:
    social_insurance_number: str
    full_name: str
    date_of_birth: date
    gender: str
    province_code: str


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str


def match_material(full_name: str, date_of_birth: date, province_code: str) -> str:
    """What a lookup must match exactly: accent-insensitive name, birth date, province."""
    return f"{name_key(full_name)}|{date_of_birth.isoformat()}|{int(province_code):02d}"


def parse_row(row: dict[str, str]) -> InsuredPerson:
    sin = (row.get("social_insurance_number") or "").strip()
    if not SIN.match(sin):
        raise ValueError("mã số BHXH phải gồm 10 chữ số")
    name = nfc(" ".join((row.get("full_name") or "").split()))
    if not name:
        raise ValueError("thiếu họ tên")
    born = date.fromisoformat((row.get("date_of_birth") or "").strip())
    gender = GENDERS.get(nfc((row.get("gender") or "").strip().lower()))
    if gender is None:
        raise ValueError("giới tính phải là male/female")
    province = (row.get("province_code") or "").strip()
    if not PROVINCE.match(province):
        raise ValueError("mã tỉnh không hợp lệ")
    return InsuredPerson(sin, name, born, gender, province)


def read_csv(path: Path) -> Iterator[InsuredPerson | BadRow]:
    """Yields people and bad rows (with their line numbers) in file order."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            yield BadRow(1, f"thiếu cột: {', '.join(missing)}")
            return
        for row in reader:
            try:
                yield parse_row(row)
            except ValueError as exc:
                yield BadRow(reader.line_num, str(exc))
