"""`vssid registry import FILE.csv`: load insured persons for the social-insurance lookup."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from vssid_intake.bootstrap import bootstrap
from vssid_intake.domain.registry import BadRow, InsuredPerson, read_csv
from vssid_intake.ports import Registry
from vssid_intake.settings import IntakeSettings

BATCH = 500


def add_parser(sub: Any) -> None:
    reg = sub.add_parser("registry", help="the insured-persons registry")
    verbs = reg.add_subparsers(dest="verb", required=True)
    imp = verbs.add_parser("import", help="import a CSV (idempotent)")
    imp.add_argument("file", type=Path)
    imp.set_defaults(handler=import_registry)


def progress(done: int, bad: int) -> None:
    sys.stderr.write(f"\r{done} dòng đã nạp, {bad} dòng lỗi")
    sys.stderr.flush()


async def import_registry(args: argparse.Namespace) -> int:
    if not args.file.is_file():
        print(f"Không tìm thấy tệp {args.file}")
        return 2
    intake = bootstrap(IntakeSettings())  # the service's own adapters, never started
    store = intake.deps.registry
    loaded, bad, batch = 0, [], []
    try:
        await store.ensure_indexes()
        for item in read_csv(args.file):
            if isinstance(item, BadRow):
                bad.append(item)
                continue
            batch.append(item)
            if len(batch) >= BATCH:
                loaded += await flush(store, batch)
                progress(loaded, len(bad))
        loaded += await flush(store, batch)
    finally:
        await intake.runtime.close_store()
        intake.stop()
    progress(loaded, len(bad))
    sys.stderr.write("\n")
    for row in bad:
        print(f"dòng {row.line}: {row.reason}")
    print(f"Đã nạp {loaded} người, {len(bad)} dòng lỗi.")
    return 1 if bad and not loaded else 0


async def flush(store: Registry, batch: list[InsuredPerson]) -> int:
    count = len(batch)
    await store.upsert_many(batch)
    batch.clear()
    return count
