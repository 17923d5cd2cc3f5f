"""Bench: intake's own CPU per HTTP request, by kind (issue 13, the processes).

Starts the servers and intake alone on free ports, then sends N status polls, N draft creates
and N portrait uploads one after another and reads intake's CPU seconds from /proc before and
after each batch (a quiet pause either side, so the answer is all spent). What one request
costs the process: framework, dependencies, validation, MongoDB driver, logs, metrics.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.support is not installed

from bench.proccpu import spent_during
from bench.scans import start_services
from tests.support import applicant as a
from tests.support.cards import render_portrait
from vssid.devstack.servers import config_on_free_ports, start_servers, stop_servers


def per_request(pid: int, count: int, request: Callable[[], Any]) -> float:
    """ms of intake CPU per call of `request`, over `count` calls."""

    def calls() -> None:
        for _ in range(count):
            request()

    return 1000 * spent_during(pid, calls) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=200, help="polls (creates and uploads: n/4)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = config_on_free_ports(Path(tmp))
        env = {**os.environ, **config.service_env(), "VSSID_ENV": "test"}
        servers = start_servers(config, echo=False)
        services = []
        try:
            services = start_services(config, env, ("intake",))
            pid = services[0].pid
            assert pid is not None
            with httpx.Client(base_url=config.intake_url, timeout=60) as intake:
                declaration_id, token = a.create_draft(intake, a.unique_bao())
                photo = render_portrait(3)
                for _ in range(50):  # warm-up: imports, connections, caches
                    a.status_of(intake, declaration_id, token)

                def upload() -> None:
                    response = intake.put(
                        f"/v1/declarations/{declaration_id}/images/portrait",
                        files={"file": ("portrait.jpg", photo, "image/jpeg")},
                        headers=a.auth(token),
                    )
                    assert response.status_code == 201, response.text

                batches: list[tuple[str, int, Callable[[], Any]]] = [
                    ("status poll", args.n, lambda: a.status_of(intake, declaration_id, token)),
                    ("draft create", args.n // 4, lambda: a.create_draft(intake, a.unique_bao())),
                    ("portrait upload", args.n // 4, upload),
                ]
                print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load {_load()}")
                for name, count, request in batches:
                    ms = per_request(pid, count, request)
                    print(f"  {name:<16} {ms:6.2f} ms intake CPU per request ({count})")
        finally:
            for process in services:
                process.stop(10)
            stop_servers(servers)


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


if __name__ == "__main__":
    main()
