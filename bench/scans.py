"""Bench: declarations scanned per second by one ocr_qr worker, pool of 1 process vs one per core.

Starts NATS, the MongoDB-protocol server and the catcher on free ports, then intake and ocr_qr
as processes (as `make dev` does), prepares N drafts with their three photos, submits them all
at once and times until every one is `awaiting_verification`. Run twice in one go: with
VSSID_SCAN_WORKERS=1, then with one process per core; prints both rates and the ratio.
"""

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.support is not installed

from tests.support import applicant as a
from vssid.devstack.catalog import default_services, is_ready_event
from vssid.devstack.config import StackConfig
from vssid.devstack.servers import config_on_free_ports, nats_env, start_servers, stop_servers
from vssid.devstack.supervisor import ManagedProcess

# review too: it opens the case and publishes `awaiting_verification`.
SERVICES = ("ocr_qr", "intake", "review")


def start_services(
    config: StackConfig, env: dict[str, str], names: tuple[str, ...] = SERVICES
) -> list[ManagedProcess]:
    """Bootstrap, then start `names` in order, each once ready; returned in stop order."""
    argv = [sys.executable, "-m", "vssid_shared.bootstrap"]
    boot_env = {**env, **nats_env(config, "bootstrap")}
    ManagedProcess("boot", argv, env=boot_env, echo=False).start().wait(60)
    specs = default_services(config)
    started = []
    for name in names:
        spec = specs[name]
        own = {**env, **nats_env(config, spec.name)}
        process = ManagedProcess(spec.name, spec.argv, env=own, echo=False).start()
        started.append(process)
        if spec.ready_url is not None:
            process.wait_http(spec.ready_url, 90)
        else:
            process.wait_log(is_ready_event, 90)
    return started[::-1]


def scan_rate(n: int, workers: int) -> float:
    """Declarations per second from the submit burst to the last `awaiting_verification`."""
    with tempfile.TemporaryDirectory() as tmp:
        config = config_on_free_ports(Path(tmp))
        env = {
            **os.environ,
            **config.service_env(),
            "VSSID_ENV": "test",
            "VSSID_SCAN_WORKERS": str(workers),
        }
        servers = start_servers(config, echo=False)
        services: list[ManagedProcess] = []
        try:
            services = start_services(config, env)
            with httpx.Client(base_url=config.intake_url, timeout=60) as intake:
                drafts = []
                for _ in range(n):
                    declaration_id, token = a.create_draft(intake, a.unique_bao())
                    a.upload_images(intake, declaration_id, token, a.BAO_QR)
                    drafts.append((declaration_id, token))
                start = time.perf_counter()
                for declaration_id, token in drafts:
                    a.submit(intake, declaration_id, token)
                for declaration_id, token in drafts:
                    a.wait_for_status(intake, declaration_id, token, "awaiting_verification")
                return n / (time.perf_counter() - start)
        finally:
            for process in services:
                process.stop(10)
            stop_servers(servers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=30)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    single = scan_rate(args.n, 1)
    full = scan_rate(args.n, cores)
    print(f"machine: {platform.machine()}, {cores} cores, Python {platform.python_version()}")
    print(f"{args.n} declarations (portrait, ID front and back), submitted at once")
    print(f"pool of 1 process    {single:6.2f} declarations/s")
    print(f"pool of {cores} processes  {full:6.2f} declarations/s")
    print(f"ratio                {full / single:6.2f}x  (ideal: {cores}x)")


if __name__ == "__main__":
    main()
