"""Bench: /v1/qr/decode through intake and ocr_qr vs the raw decode of the same photos.

Starts its own NATS, MongoDB-protocol server and catcher on free ports, then intake and ocr_qr
as processes, exactly as `make dev` runs them. Prints p50 of the raw in-process decode (the
function the worker runs in its pool), p50 of the HTTP autofill round trip, and the overhead.
"""

import argparse
import functools
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.support is not installed

from tests.support.cards import DOMAIN_PAYLOADS, render_card_photo
from vssid.devstack.catalog import is_ready_event
from vssid.devstack.config import StackConfig
from vssid.devstack.servers import config_on_free_ports, nats_env, start_servers, stop_servers
from vssid.devstack.supervisor import ManagedProcess
from vssid_ocr_qr.adapters.scanning import decode_card_bytes, warm_process


def photos(n: int, seed: int) -> list[bytes]:
    cccd = [p for p in DOMAIN_PAYLOADS if p.count("|") >= 6 and p[:12].isdigit()]
    return [render_card_photo(cccd[i % len(cccd)], "phone", seed + i) for i in range(n)]


def timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def measure(url: str, images: list[bytes]) -> tuple[list[float], list[float]]:
    """Raw decode and HTTP autofill of each photo back to back, so both see the same noise."""
    raw, http = [], []
    with httpx.Client(timeout=60) as client:

        def post(data: bytes) -> None:
            response = client.post(url, files={"file": ("card.jpg", data, "image/jpeg")})
            assert response.status_code == 200, response.text

        post(images[0])  # warm-up, as for a running worker
        warm_process()  # the raw side runs as a pool process does (one OpenCV thread, malloc)
        decode_card_bytes(images[0])
        for data in images:
            raw.append(timed(functools.partial(decode_card_bytes, data)))
            http.append(timed(functools.partial(post, data)))
    return raw, http


def start_system(config: StackConfig, env: dict[str, str]) -> list[ManagedProcess]:
    def as_user(user: str) -> dict[str, str]:
        return {**env, **nats_env(config, user)}

    intake = ManagedProcess(
        "intake", [sys.executable, "-m", "vssid_intake"], env=as_user("intake"), echo=False
    )
    ocr = ManagedProcess(
        "ocr_qr", [sys.executable, "-m", "vssid_ocr_qr"], env=as_user("ocr_qr"), echo=False
    )
    boot = [sys.executable, "-m", "vssid_shared.bootstrap"]
    ManagedProcess("boot", boot, env=as_user("bootstrap"), echo=False).start().wait(60)
    intake.start().wait_http(f"{config.intake_url}/ready", 90)
    ocr.start().wait_log(is_ready_event, 90)
    return [ocr, intake]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    images = photos(args.n, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        config = config_on_free_ports(Path(tmp))
        env = {
            **os.environ,
            **config.service_env(),
            "VSSID_ENV": "test",
            # One client sends every photo back to back: lift the per-client decode budget.
            "VSSID_DECODE_RATE_PER_MINUTE": "100000",
        }
        servers = start_servers(config, echo=False)
        services: list[ManagedProcess] = []
        try:
            services = start_system(config, env)
            raw_ms, http_ms = measure(f"{config.intake_url}/v1/qr/decode", images)
        finally:
            for process in services:
                process.stop(10)
            stop_servers(servers)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"{args.n} phone-quality card photos")
    raw, via_http = statistics.median(raw_ms), statistics.median(http_ms)
    print(f"raw decode p50        {raw:8.1f} ms")
    print(f"autofill via intake   {via_http:8.1f} ms")
    print(f"overhead (p50 - p50)  {via_http - raw:8.1f} ms  (acceptance: <= 15 ms)")
    print(f"ratio autofill / raw  {via_http / raw:8.2f}x")


if __name__ == "__main__":
    main()
