"""Bench: the least CPU any stack built of our parts can spend per declaration beside its photo
work, and so the best throughput / photo-work ceiling such a stack could reach (issue 13).

Each part is measured on the real server or framework, doing only what the contract forces on
every declaration and nothing else (no validation, encryption, outbox, logs, metrics, retries):
* HTTP: FastAPI on uvicorn (`bench/floor_app.py`) answering the five requests a declaration
  makes (draft, three phone photos through intake's multipart reader, submit).
* MongoDB-protocol server (secantusd-py, as the stack runs it): the declaration inserted, the
  three photos stored as one document each (fewer writes than GridFS), submitted, the photos
  read back once, enriched and marked awaiting verification in one write, the staff case
  inserted, and for half of them the delivery record: 7.5 writes and 1 read.
* NATS: 1 KiB acked publishes with message ids, pulled and acked by a worker made as ours are
  (`bench/floor_worker.py`); a declaration makes three such hops (submitted, scanned,
  awaiting_verification), two of them outside ocr_qr (review's, the notifier's), and two of the
  publishes (intake's, review's).
* Mail, for the half that asks for the copy: the PDF rendered, the message built and sent over
  SMTP to the catcher.

CPU seconds come from /proc for the servers and from `time.process_time` for the work done in
this process. Prints each floor, their sum, the photo work per declaration in this process,
and the ratio ocr / (ocr + floor): what throughput / photo-work ceiling would be if every
other part cost only its floor and the cores were always busy.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import smtplib
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
from bson import Binary, ObjectId
from pymongo import MongoClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench is not installed

from bench.pipeline import Photos, applicants, photo_work_ms
from bench.proccpu import QUIET, spent_during, tree_cpu
from bench.scans import start_services
from tests.unit.test_notifier_pdf import HUONG
from vssid.devstack.config import StackConfig
from vssid.devstack.servers import (
    Stack,
    config_on_free_ports,
    free_port,
    nats_env,
    start_servers,
    stop_servers,
)
from vssid.devstack.supervisor import ManagedProcess
from vssid_notifier.adapters.pdf import render_declaration_pdf
from vssid_shared.subjects import STREAM

HERE = Path(__file__).resolve().parent
DURABLE = "ocr_qr-submitted"  # the consumer bench/floor_worker.py pulls from


def in_parallel(count: int, in_flight: int, one: Callable[[int], None]) -> None:
    with ThreadPoolExecutor(in_flight) as pool:
        for job in [pool.submit(one, i) for i in range(count)]:
            job.result()


def http_floor(photos: list[Photos], n: int, k: int) -> float:
    """Server CPU seconds per declaration of the bare app."""
    port = free_port()
    server = subprocess.Popen([sys.executable, str(HERE / "floor_app.py"), str(port)])
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    client.post("/v1/declarations", json={})
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)

            def one(i: int) -> None:
                set_ = photos[i % len(photos)]
                made = client.post("/v1/declarations", json={"full_name": "Nguyễn Văn Bảo"})
                declaration_id = made.json()["id"]
                for kind, data in set_.items():
                    answer = client.put(
                        f"/v1/declarations/{declaration_id}/images/{kind}",
                        files={"file": (f"{kind}.jpg", data, "image/jpeg")},
                    )
                    assert answer.json()["size"] == len(data), answer.text
                client.post(f"/v1/declarations/{declaration_id}/submit")

            in_parallel(4, 2, one)  # warm-up
            return spent_during(server.pid, lambda: in_parallel(n, k, one)) / n
    finally:
        server.terminate()
        server.wait(10)


def mongo_floor(config: StackConfig, pid: int, photos: list[Photos], n: int, k: int) -> float:
    """Server CPU seconds per declaration for the fewest writes and reads it needs."""
    client: MongoClient[dict[str, Any]] = MongoClient(config.mongo_url)
    db = client["floor"]
    db.photos.create_index("declaration_id")

    def one(i: int) -> None:
        # Sealed fields and photos are random-looking bytes of their plain size plus nonce/tag.
        sealed = {f"f{j}": Binary(os.urandom(60)) for j in range(10)}
        declaration_id = ObjectId()
        db.declarations.insert_one({"_id": declaration_id, "status": "draft", **sealed})
        for kind, data in photos[i % len(photos)].items():
            db.photos.insert_one(
                {
                    "declaration_id": declaration_id,
                    "kind": kind,
                    "data": Binary(os.urandom(len(data) + 28)),
                }
            )
        db.declarations.update_one({"_id": declaration_id}, {"$set": {"status": "submitted"}})
        assert len(list(db.photos.find({"declaration_id": declaration_id}))) == 3
        db.declarations.update_one(
            {"_id": declaration_id},
            {"$set": {"status": "awaiting_verification", "scan": Binary(os.urandom(300))}},
        )
        db.cases.insert_one({"declaration_id": declaration_id, "agency": "4802", "state": "open"})
        if i % 2 == 0:
            db.deliveries.insert_one({"_id": f"{declaration_id}:copy", "state": "sent"})

    try:
        in_parallel(4, 2, one)
        return spent_during(pid, lambda: in_parallel(n, k, one)) / n
    finally:
        client.drop_database("floor")
        client.close()


async def _drained(config: StackConfig, limit: float = 60) -> None:
    """Until ocr_qr's durable has delivered and had acked every message published."""
    nc = await Stack.from_config(config).nats_login("bootstrap").connect()
    try:
        deadline = time.monotonic() + limit
        while True:
            info = await nc.jsm().consumer_info(STREAM, DURABLE)
            if not info.num_pending and not info.num_ack_pending:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{DURABLE}: {info.num_pending} pending after {limit} s")
            await asyncio.sleep(0.2)
    finally:
        await nc.close()


async def _publish(config: StackConfig, n: int, window: int) -> None:
    nc = await Stack.from_config(config).nats_login("intake").connect()
    js = nc.jetstream()
    gate = asyncio.Semaphore(window)
    body = b"x" * 1024

    async def send(i: int) -> None:
        async with gate:
            headers = {"Nats-Msg-Id": f"floor-{time.time_ns()}-{i}"}
            await js.publish("declarations.4802.submitted", body, headers=headers)

    try:
        await asyncio.gather(*(send(i) for i in range(n)))
    finally:
        await nc.close()


def nats_floor(config: StackConfig, nats_pid: int, env: dict[str, str], n: int) -> dict[str, float]:
    """CPU seconds per message: the publisher (this process), the server, the worker."""
    own = {**env, **nats_env(config, "ocr_qr")}
    worker = subprocess.Popen([sys.executable, str(HERE / "floor_worker.py")], env=own)
    try:
        time.sleep(3)  # connected, its first pull waiting
        asyncio.run(_publish(config, 20, 8))  # warm-up
        asyncio.run(_drained(config))
        time.sleep(QUIET)
        roots = {"nats": nats_pid, "worker": worker.pid}
        before, mine = tree_cpu(roots), time.process_time()
        asyncio.run(_publish(config, n, 8))
        publisher = time.process_time() - mine
        asyncio.run(_drained(config))  # its polls are a few ms, next to n messages' work
        after = tree_cpu(roots)
        return {"publisher": publisher / n} | {k: (after[k] - before[k]) / n for k in roots}
    finally:
        worker.terminate()
        worker.wait(10)


def mail_floor(config: StackConfig, catcher_pid: int, n: int) -> dict[str, float]:
    """CPU seconds per copy: the PDF, the message and its SMTP send here; the catcher's."""
    render_declaration_pdf(HUONG)  # fonts loaded once per process, as in the notifier
    start = time.process_time()
    pdfs = [render_declaration_pdf(HUONG) for _ in range(n)]
    pdf = (time.process_time() - start) / n

    def send() -> None:
        with smtplib.SMTP(config.host, config.smtp_port) as smtp:
            for i, data in enumerate(pdfs):
                message = EmailMessage()
                message["From"] = "bhxh@example.com"
                message["To"] = f"floor.{i}@example.com"
                message["Subject"] = "Bản sao tờ khai đăng ký giao dịch điện tử"
                message.set_content("Kính gửi ông/bà, BHXH gửi kèm bản sao tờ khai.")
                message.add_attachment(
                    data, maintype="application", subtype="pdf", filename="to-khai.pdf"
                )
                smtp.send_message(message)

    mine = time.process_time()
    catcher = spent_during(catcher_pid, send)
    return {"pdf": pdf, "smtp client": (time.process_time() - mine) / n, "catcher": catcher / n}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=200, help="declarations (messages, copies)")
    parser.add_argument("--k", type=int, default=8, help="in flight")
    parser.add_argument(
        "--ocr-cpu",
        type=float,
        default=None,
        help="ocr_qr's CPU s per declaration as bench/pipeline.py measured it "
        "(default: the photo work measured here, a lower bound of it)",
    )
    args = parser.parse_args()
    photos = [person.photos for person in applicants(6, first=int(time.time()) % 10**6)]
    checks, decode = photo_work_ms(photos)
    job = (3 * checks + 2 * decode) / 1000
    with tempfile.TemporaryDirectory() as tmp:
        config = config_on_free_ports(Path(tmp))
        env = {**os.environ, **config.service_env(), "VSSID_ENV": "test"}
        servers = start_servers(config, echo=False)
        try:
            start_services(config, env, ())  # the bootstrap only: streams and consumers
            nats, mongo, catcher = (cast_pid(p) for p in servers)
            http = http_floor(photos, args.n, args.k)
            store = mongo_floor(config, mongo, photos, args.n, args.k)
            # The same writes with 1 KB photos: what the operations cost apart from the bytes.
            small = [{kind: b"x" * 1024 for kind in set_} for set_ in photos]
            ops_only = mongo_floor(config, mongo, small, args.n, args.k)
            hop = nats_floor(config, nats, env, 3 * args.n)
            mail = mail_floor(config, catcher, max(args.n // 5, 20))
        finally:
            stop_servers(servers)
    parts = {
        "HTTP: 5 requests, bare FastAPI on uvicorn": http,
        "MongoDB-protocol server: 7.5 writes, 1 read": store,
        "NATS server: 3 hops": 3 * hop["nats"],
        "workers: 2 pulls and acks (review, notifier)": 2 * hop["worker"],
        "publishers: 2 acked publishes (intake, review)": 2 * hop["publisher"],
        "mail, half the declarations: PDF": mail["pdf"] / 2,
        "mail, half: message and SMTP send": mail["smtp client"] / 2,
        "mail, half: the catcher receiving it": mail["catcher"] / 2,
    }
    floor = sum(parts.values())
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; {args.n} declarations, {args.k} in flight"
    )
    print(f"photo work in this process: checks {checks:.1f} ms per photo, decode {decode:.1f} ms")
    print(f"  per declaration (3 checks, 2 decodes): {1000 * job:.1f} ms")
    print("\nfloor per declaration beside the photo work (ms of CPU):")
    for name, value in parts.items():
        print(f"  {name:<48} {1000 * value:6.1f}")
    print(f"  {'total':<48} {1000 * floor:6.1f}")
    size = sum(len(data) for set_ in photos for data in set_.values()) / len(photos) / 1024
    print(
        f"  (the MongoDB part with 1 KB photos instead of {size:.0f} KB: {1000 * ops_only:.1f};"
        f" the photo bytes {1000 * (store - ops_only):.1f})"
    )
    without_catcher = floor - mail["catcher"] / 2
    ocr = args.ocr_cpu if args.ocr_cpu is not None else job
    print(
        f"\nwith ocr_qr at {1000 * ocr:.1f} ms per declaration, the goal (whole stack <= 1.25x it)"
        f" leaves {250 * ocr:.1f} ms for everything else;"
    )
    print(f"  the floor alone is {floor / (0.25 * ocr):.2f}x that")
    print(f"  best throughput / photo-work ceiling reachable: {ocr / (ocr + floor):.2f} (goal 0.8)")
    print(
        "  the same without the catcher (a stand-in for the office's mail relay): "
        f"{ocr / (ocr + without_catcher):.2f}"
    )


def cast_pid(process: ManagedProcess) -> int:
    assert process.pid is not None
    return process.pid


if __name__ == "__main__":
    main()
