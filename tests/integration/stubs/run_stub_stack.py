"""`vssid dev` with one stub worker in place of the four services (runner tests only)."""

from __future__ import annotations

import sys
from pathlib import Path

from vssid.devstack.catalog import ServiceSpec
from vssid.devstack.config import StackConfig
from vssid.devstack.runner import run_dev

if __name__ == "__main__":
    worker = Path(__file__).with_name("stub_worker.py")
    stub = ServiceSpec("stub", (sys.executable, str(worker), sys.argv[1]))
    raise SystemExit(run_dev(StackConfig.from_env(), [stub]))
