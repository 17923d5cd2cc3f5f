"""Bench: the long fault campaign against `vssid dev` (issue 11).

Starts `vssid dev` with the four services on free ports (data in a temporary directory) and
sends N declarations (half asking for the e-mail copy) through the HTTP contract, K in flight,
while every service is SIGKILLed (ocr_qr and the notifier twice), NATS and the MongoDB-protocol
server are SIGKILLed (`vssid dev` restarts them) and the mail/SMS catcher is frozen (SIGSTOP,
then SIGCONT); an operator verifies every declaration (each gets its initial-password SMS).
Then counts, from the outside: submitted, lost (a declaration, mail or SMS that never came),
doubled (a second copy of one mail by Message-ID and recipient, of one SMS by recipient and
kind), stuck (not verified, or a consumer with messages left), HTTP 5xx other than 503 (503
carries Retry-After and is retried), and per fault the seconds from the fault to the part
ready again and to the pipeline moving again.

    .venv/bin/python bench/faults.py [--count 200] [--concurrency 8] [--freeze 30]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.support is not installed

from tests.support.faults import campaign


def progress(line: str) -> None:
    print(line, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description="The long fault campaign against vssid dev.")
    parser.add_argument("--count", type=int, default=200, help="declarations (default 200)")
    parser.add_argument("--concurrency", type=int, default=8, help="in flight (default 8)")
    parser.add_argument("--freeze", type=float, default=30.0, help="catcher frozen, seconds")
    parser.add_argument(
        "--reconcile-after", type=float, default=30.0, help="reconcile period, seconds"
    )
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="vssid-faults-"))
    print(f"{platform.node()}: {os.cpu_count()} cores; data and dev.log in {data_dir}")
    outcome = campaign.run(
        data_dir,
        args.count,
        args.concurrency,
        args.freeze,
        say=progress,
        reconcile_after=args.reconcile_after,
    )
    for line in campaign.report(outcome):
        print(line)
    for problem in (outcome.stuck + outcome.errors)[:20]:
        print(f"  {problem}")
    if not args.keep:
        shutil.rmtree(data_dir, ignore_errors=True)
    counts = outcome.counts()
    bad = ("lost", "doubled", "unexpected", "stuck", "client_errors", "http_5xx_not_503")
    return 1 if any(counts[name] for name in bad) else 0


if __name__ == "__main__":
    sys.exit(main())
