"""The catalog of receiving BHXH agencies, kept as data (DOMAIN §7) and importable from CSV."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path

from vssid_intake.domain.agency_records import AGENCY_COLUMNS, Agency, agency_from_record
from vssid_intake.domain.errors import AgencyDataError

__all__ = [
    "AGENCY_COLUMNS",
    "Agency",
    "AgencyCatalog",
    "AgencyCsvResult",
    "AgencyDataError",
    "CsvRowError",
    "load_agencies_csv",
]


_EXTRA = "\x00extra"  # DictReader's key for cells beyond the header; no real column is named so


def _province_key(code: str) -> str:
    # Agencies use 2-digit province codes ("48"), CCCD numbers 3-digit ones ("048").
    return code.strip().lstrip("0")


class AgencyCatalog:
    """An immutable set of agencies keyed by code; the packaged data is the default."""

    def __init__(self, agencies: Iterable[Agency]) -> None:
        self._by_code: dict[str, Agency] = {}
        for agency in agencies:
            if agency.code in self._by_code:
                raise AgencyDataError(f"mã cơ quan {agency.code} bị trùng")
            self._by_code[agency.code] = agency

    @classmethod
    def from_json(cls, text: str | bytes) -> AgencyCatalog:
        """Read `{"agencies": [record, ...]}` (a bare list is accepted too)."""
        document = json.loads(text)
        records = document.get("agencies") if isinstance(document, dict) else document
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise AgencyDataError("tệp danh mục phải chứa danh sách agencies")
        return cls(agency_from_record(record) for record in records)

    @classmethod
    def load(cls, path: Path | None = None) -> AgencyCatalog:
        """The catalog at `path`, or the one shipped in `vssid_intake/data/agencies.json`."""
        if path is not None:
            return cls.from_json(path.read_bytes())
        packaged = resources.files("vssid_intake").joinpath("data/agencies.json")
        return cls.from_json(packaged.read_bytes())

    def to_json(self) -> str:
        """The catalog as the JSON document `from_json` reads."""
        records = [agency.to_record() for agency in self]
        return json.dumps({"agencies": records}, ensure_ascii=False, indent=2) + "\n"

    def get(self, code: str) -> Agency | None:
        """The agency with this code, active or not."""
        return self._by_code.get(code)

    def is_active(self, code: str, today: date) -> bool:
        """Whether `code` names an agency that receives declarations on `today`."""
        agency = self._by_code.get(code)
        return agency is not None and agency.is_active(today)

    def active(self, today: date) -> list[Agency]:
        """Agencies receiving declarations on `today`, by code."""
        return [agency for agency in self if agency.is_active(today)]

    def by_province(self, province_code: str, *, today: date | None = None) -> list[Agency]:
        """Agencies of a province ("48" or "048"); only active ones when `today` is given."""
        key = _province_key(province_code)
        agencies = self.active(today) if today is not None else list(self)
        return [a for a in agencies if _province_key(a.province_code) == key]

    def __iter__(self) -> Iterator[Agency]:
        return iter(sorted(self._by_code.values(), key=lambda agency: agency.code))

    def __len__(self) -> int:
        return len(self._by_code)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code


@dataclass(frozen=True)
class CsvRowError:
    """A rejected CSV row: `line` is the physical line number where the row ends."""

    line: int
    message: str


@dataclass
class AgencyCsvResult:
    """Rows that became agencies and rows that did not; import only when `errors` is empty."""

    agencies: list[Agency] = field(default_factory=list)
    errors: list[CsvRowError] = field(default_factory=list)

    @property
    def catalog(self) -> AgencyCatalog:
        """The imported agencies as a catalog (duplicates were already reported as errors)."""
        return AgencyCatalog(self.agencies)


def load_agencies_csv(path: Path) -> AgencyCsvResult:
    """Read an agency CSV (header: code,name,province_code,phone,address,parent_code,valid_from,
    valid_to and optionally note); UTF-8 with or without the BOM that spreadsheet tools add."""
    result = AgencyCsvResult()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle, restkey=_EXTRA)
        absent = [c for c in AGENCY_COLUMNS if c not in (reader.fieldnames or [])]
        if absent:
            result.errors.append(CsvRowError(1, "thiếu cột: " + ", ".join(absent)))
            return result
        seen: dict[str, int] = {}
        for row in reader:
            _add_row(result, row, reader.line_num, seen)
    return result


def _add_row(
    result: AgencyCsvResult, row: dict[str, object], line: int, seen: dict[str, int]
) -> None:
    if _EXTRA in row:
        result.errors.append(CsvRowError(line, "dòng có nhiều ô hơn tiêu đề"))
        return
    try:
        agency = agency_from_record(row)
    except AgencyDataError as exc:
        result.errors.append(CsvRowError(line, str(exc)))
        return
    if agency.code in seen:
        result.errors.append(
            CsvRowError(line, f"mã {agency.code} đã có ở dòng {seen[agency.code]}")
        )
        return
    seen[agency.code] = line
    result.agencies.append(agency)
