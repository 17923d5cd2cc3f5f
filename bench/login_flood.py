"""Bench: photo upload latency alone and while a login flood from many addresses runs.

Starts its own NATS, MongoDB-protocol server and catcher on free ports and the four services
as processes (the e2e `launch`). The flood sends logins for random unknown ids, each from a
fresh loopback address (127.0.x.y), so no per-address limit stops it: only the bounded argon2
line (`VSSID_LOGIN_HASH_WORKERS` / `VSSID_LOGIN_HASH_QUEUE`) protects the other routes. Prints
upload p50/max alone and under the flood, and how the flood's logins were answered.
"""

import argparse
import platform
import secrets
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.support is not installed

from tests.e2e.conftest import launch
from tests.support import applicant as a
from vssid.devstack.servers import Stack, config_on_free_ports, start_servers, stop_servers


def uploads(url: str, n: int) -> list[float]:
    client = httpx.Client(base_url=url, timeout=120)
    declaration_id, token = a.create_draft(client, {"full_name": "Nguyễn Văn Bảo"})
    took = []
    for i in range(n):
        photo = {"file": ("p.jpg", a.portrait_jpeg(i), "image/jpeg")}
        start = time.perf_counter()
        answer = client.put(
            f"/v1/declarations/{declaration_id}/images/portrait",
            files=photo,
            headers=a.auth(token),
        )
        took.append(time.perf_counter() - start)
        assert answer.status_code == 201, answer.text
    return took


def flood(url: str, stop: threading.Event, answers: dict[int, int], lane: int) -> None:
    sent = 0
    while not stop.is_set():
        address = f"127.0.{10 + lane}.{1 + sent % 250}"
        sent += 1
        transport = httpx.HTTPTransport(local_address=address)
        with httpx.Client(base_url=url, timeout=60, transport=transport) as client:
            account = f"48{secrets.randbelow(10**8):08d}"
            answer = client.post("/v1/auth/login", json={"account": account, "password": "x" * 12})
        answers[answer.status_code] = answers.get(answer.status_code, 0) + 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--flooders", type=int, default=16)
    parser.add_argument("--uploads", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, (Path(tmp) / "servers.log").open("a") as log:
        config = config_on_free_ports(Path(tmp))
        servers = start_servers(config, echo=log)
        try:
            with launch(Stack.from_config(config)) as system:
                url = system.intake_url
                uploads(url, 3)  # warm-up
                alone = uploads(url, args.uploads)
                stop, answers = threading.Event(), dict[int, int]()
                lanes = [
                    threading.Thread(target=flood, args=(url, stop, answers, lane))
                    for lane in range(args.flooders)
                ]
                for lane in lanes:
                    lane.start()
                time.sleep(3)  # the flood is under way
                flooded = uploads(url, args.uploads)
                stop.set()
                for lane in lanes:
                    lane.join()
        finally:
            stop_servers(servers)
    print(f"machine: {platform.machine()}, {platform.python_version()}")
    for name, took in (("alone", alone), ("under login flood", flooded)):
        print(f"upload {name}: p50 {statistics.median(took):.3f} s, max {max(took):.3f} s")
    print(f"flood logins answered: {dict(sorted(answers.items()))}")


if __name__ == "__main__":
    main()
