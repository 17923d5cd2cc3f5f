"""`vssid agencies import FILE.csv`: replace the catalog of receiving BHXH agencies."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from vssid_intake.bootstrap import bootstrap
from vssid_intake.domain.agencies import load_agencies_csv
from vssid_intake.settings import IntakeSettings
from vssid_shared.clock import utc_now


def add_parser(sub: Any) -> None:
    agencies = sub.add_parser("agencies", help="the catalog of receiving agencies")
    verbs = agencies.add_subparsers(dest="verb", required=True)
    imp = verbs.add_parser("import", help="replace the catalog from a CSV (all rows or none)")
    imp.add_argument("file", type=Path)
    imp.set_defaults(handler=import_agencies)


async def import_agencies(args: argparse.Namespace) -> int:
    if not args.file.is_file():
        print(f"Không tìm thấy tệp {args.file}")
        return 2
    result = load_agencies_csv(args.file)
    for error in result.errors:
        print(f"dòng {error.line}: {error.message}")
    if result.errors or not result.agencies:
        print("Không nhập: danh mục cần hợp lệ toàn bộ.")
        return 1
    intake = bootstrap(IntakeSettings())  # the service's own adapters, never started
    try:
        await intake.agency_source.save(result.catalog, utc_now())
    finally:
        await intake.runtime.close_store()
        intake.stop()
    print(f"Đã nhập {len(result.agencies)} cơ quan; intake áp dụng trong vòng một phút.")
    return 0
