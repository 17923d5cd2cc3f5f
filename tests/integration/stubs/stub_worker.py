"""A stand-in worker for runner tests: logs a JSON ready line, exits 3 once a file appears."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def main() -> int:
    trigger = Path(sys.argv[1])
    print("stub worker starting", flush=True)
    print(json.dumps({"event": "ready", "service": "stub"}), flush=True)
    # Polling is fine here: this is the process under test's stand-in, not test synchronisation.
    while not trigger.exists():
        time.sleep(0.1)
    print("stub worker: trigger seen, exiting with 3", flush=True)
    return 3


if __name__ == "__main__":
    raise SystemExit(main())
