"""Bench: what the whole pipeline costs per declaration, against the photo work it exists for.

Starts the embedded stack on free ports (NATS, the MongoDB-protocol server, the catcher, then
intake, review, ocr_qr and notifier as processes, as `make dev` does) and drives N declarations
through the HTTP contract, K in flight: draft, portrait and both ID sides as phone photos,
submit, poll until `awaiting_verification`; half of them ask for the email copy (a PDF).

The CPU seconds of every process of the stack (pool processes included) are read from /proc
before and after, once everything has gone quiet again (the copy is mailed after the status
the bench waits for), less what the idle stack spends over the same time (measured once after
the warm-up: consumers' long polls, relays' and sweepers' passes). Prints throughput, submit →
awaiting_verification p50/p95, CPU seconds per declaration per part, the photo-work ceiling
(cores ÷ ocr_qr CPU per declaration) and the ratio of throughput to it; then p50/p95 with
declarations arriving at half the measured throughput; then the photo work alone, in this
process: ms per photo for checks and decode.
"""

from __future__ import annotations

import argparse
import io
import itertools
import os
import platform
import secrets
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import httpx
from PIL import Image
from pymongo import MongoClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.support is not installed

from bench.proccpu import tree_cpu
from bench.scans import start_services
from tests.support import applicant as a
from tests.support.cards import render_card_photo, render_portrait
from vssid.devstack.catalog import default_services, is_ready_event
from vssid.devstack.config import StackConfig
from vssid.devstack.servers import config_on_free_ports, nats_env, start_servers, stop_servers
from vssid.devstack.supervisor import ManagedProcess

SERVICES = ("ocr_qr", "notifier", "intake", "review")
BAO_ID_DOCUMENT = cast(dict[str, str], a.BAO["id_document"])
BAO_CCCD = BAO_ID_DOCUMENT["number"]
DB = "vssid"  # Settings.mongo_db
POLL = 0.2  # seconds between status polls: latencies are good to about this much
POLLS = itertools.count()  # status polls made, all threads (next() is atomic in CPython)
Photos = dict[str, bytes]


@dataclass
class Run:
    """One phase: wall time, per-declaration latencies, CPU per part, MongoDB op counts."""

    count: int
    wall: float
    latencies: list[float]
    cpu: dict[str, float]
    ops: dict[str, int] | None
    polls: int


@dataclass(frozen=True)
class Applicant:
    """One declaration's person and photos."""

    fields: dict[str, Any]
    photos: Photos


def _person_card(n: int) -> tuple[dict[str, Any], bytes, bytes]:
    """Runs in a helper process: Bảo with CCCD number n, and both sides of his card."""
    number = f"04809{n:07d}"  # province 048, a man born in 1990 (G=0, YY=90)
    qr = a.BAO_QR.replace(BAO_CCCD, number)
    fields = {**a.unique_bao(), "id_document": {**BAO_ID_DOCUMENT, "number": number}}
    return fields, render_card_photo(qr, "phone", 2 * n + 1), render_card_photo(qr, "phone", 2 * n)


def applicants(count: int, first: int) -> list[Applicant]:
    """`count` different people, as real traffic is: a repeated CCCD number or photo would
    add duplicate-person and reused-image findings work that real declarations do not cause."""
    with ProcessPoolExecutor() as pool:
        people = list(pool.map(_person_card, range(first, first + count)))
    return [
        Applicant(
            fields, {"portrait": render_portrait(first + i), "id_front": front, "id_back": back}
        )
        for i, (fields, front, back) in enumerate(people)
    ]


def declare(intake: httpx.Client, person: Applicant, copy: bool) -> float:
    """One declaration through the contract; seconds from submit to `awaiting_verification`."""
    declaration_id, token = a.create_draft(intake, {**person.fields, "send_email_copy": copy})
    for kind, data in person.photos.items():
        response = intake.put(
            f"/v1/declarations/{declaration_id}/images/{kind}",
            files={"file": (f"{kind}.jpg", data, "image/jpeg")},
            headers=a.auth(token),
        )
        assert response.status_code == 201, response.text
    submitted = time.perf_counter()
    a.submit(intake, declaration_id, token)
    while a.status_of(intake, declaration_id, token)["status"] != "awaiting_verification":
        next(POLLS)
        if time.perf_counter() - submitted > 300:
            raise TimeoutError(f"{declaration_id} not awaiting_verification after 300 s")
        time.sleep(POLL)
    return time.perf_counter() - submitted


class Stack:
    """The running processes, by part name, and how to read what they have spent."""

    def __init__(self, config: StackConfig, processes: dict[str, ManagedProcess]) -> None:
        self.config = config
        self.processes = processes
        self._mongo: MongoClient[dict[str, Any]] = MongoClient(config.mongo_url)
        # CPU seconds per second per part of the idle stack (consumers' long polls, relays'
        # and sweepers' passes): subtracted from every phase, so a phase's figures are the
        # declarations' work however long the stack took to go quiet around it.
        self.idle: dict[str, float] = {}

    def measure_idle(self, seconds: float = 15.0) -> None:
        time.sleep(5)  # the warm-up's last mails and relay passes
        before, start = self.cpu(), time.perf_counter()
        time.sleep(seconds)
        after, elapsed = self.cpu(), time.perf_counter() - start
        spent = {name: after[name] - before.get(name, 0.0) for name in after}
        self.idle = {name: max(cpu, 0.0) / elapsed for name, cpu in spent.items()}

    def spent_since(self, before: dict[str, float], since: float) -> dict[str, float]:
        """CPU seconds per part since `before` (read at perf_counter `since`), less the idle
        background over that time."""
        after, elapsed = self.cpu(), time.perf_counter() - since
        return {
            name: max(after[name] - before.get(name, 0.0) - self.idle.get(name, 0.0) * elapsed, 0.0)
            for name in after
        }

    def cpu(self) -> dict[str, float]:
        roots = {name: p.pid for name, p in self.processes.items() if p.pid is not None}
        parts: dict[str, float] = {}
        for name, cpu in tree_cpu(roots).items():
            part = name.split("#")[0]  # extra ocr_qr workers count as ocr_qr
            parts[part] = parts.get(part, 0.0) + cpu
        return parts

    def ops(self) -> dict[str, int] | None:
        """The server's op counters, if it keeps them (serverStatus.opcounters)."""
        try:
            status = self._mongo.admin.command("serverStatus")
        except Exception:
            return None
        counters = status.get("opcounters")
        return {k: int(v) for k, v in counters.items()} if isinstance(counters, dict) else None

    def settle(self, quiet: float = 0.05, every: float = 1.0, limit: float = 120) -> None:
        """Wait until the stack spends under `quiet` CPU seconds per second more than when
        idle (mails are out)."""
        deadline = time.monotonic() + limit
        background = sum(self.idle.values())
        before = sum(self.cpu().values())
        while time.monotonic() < deadline:
            time.sleep(every)
            now = sum(self.cpu().values())
            if now - before < (background + quiet) * every:
                return
            before = now

    def profile(self, level: int) -> None:
        """Have the server log every operation on the system's database (level 2) or none."""
        self._mongo[DB].command("profile", level)

    def profiled(self) -> list[dict[str, Any]]:
        return list(
            self._mongo[DB]["system.profile"].find(
                {}, {"ns": 1, "op": 1, "millis": 1, "command": 1}
            )
        )

    def close(self) -> None:
        self._mongo.close()


def measure(stack: Stack, count: int, body: Callable[[], list[float]]) -> Run:
    stack.settle()
    cpu0, ops0, polls0 = stack.cpu(), stack.ops(), next(POLLS)
    start = time.perf_counter()
    latencies = body()
    wall = time.perf_counter() - start
    stack.settle()
    cpu, ops1 = stack.spent_since(cpu0, start), stack.ops()
    ops = {k: ops1[k] - ops0.get(k, 0) for k in ops1} if ops0 and ops1 else None
    return Run(count, wall, latencies, cpu, ops, next(POLLS) - polls0 - 1)


def closed_loop(stack: Stack, people: list[Applicant], in_flight: int) -> Run:
    """One declaration per applicant, `in_flight` at a time, as fast as the stack takes them."""
    count = len(people)

    def body() -> list[float]:
        with (
            httpx.Client(base_url=stack.config.intake_url, timeout=120) as intake,
            ThreadPoolExecutor(in_flight) as pool,
        ):
            jobs = [pool.submit(declare, intake, people[i], i % 2 == 0) for i in range(count)]
            return [job.result() for job in jobs]

    return measure(stack, count, body)


def open_loop(stack: Stack, people: list[Applicant], rate: float) -> Run:
    """One declaration per applicant, arriving `rate` per second, however long each takes."""
    count = len(people)

    def body() -> list[float]:
        latencies: list[float] = []
        lock = threading.Lock()

        def one(i: int) -> None:
            latency = declare(intake, people[i], i % 2 == 0)
            with lock:
                latencies.append(latency)

        with (
            httpx.Client(base_url=stack.config.intake_url, timeout=120) as intake,
            ThreadPoolExecutor(64) as pool,
        ):
            start = time.perf_counter()
            jobs = []
            for i in range(count):
                time.sleep(max(0.0, start + i / rate - time.perf_counter()))
                jobs.append(pool.submit(one, i))
            for job in jobs:
                job.result()
        return latencies

    return measure(stack, count, body)


def mongo_round_trips(stack: Stack, people: list[Applicant], in_flight: int) -> None:
    """Every operation the services send, per declaration, by collection and kind."""
    count = len(people)
    stack.profile(2)
    polls0 = next(POLLS)
    closed_loop(stack, people, in_flight)
    polls = next(POLLS) - polls0 - 1  # the bench's own reads: they move with the run's speed
    stack.profile(0)
    table: dict[tuple[str, str], list[float]] = {}
    for entry in stack.profiled():
        command = entry.get("command") or {}
        kind = entry.get("op", "?")
        if kind == "command":
            kind = next(iter(command), "command")
        if os.environ.get("BENCH_SHAPES"):  # the filter's keys too: which code path sends it
            shape = command.get("filter") or command.get("q") or command.get("query") or {}
            kind = f"{kind} {sorted(shape) if isinstance(shape, dict) else '?'}"
        table.setdefault((entry.get("ns", "?"), str(kind)), []).append(entry.get("millis") or 0)
    print(f"\nMongoDB operations per declaration ({count} declarations, profiler on):")
    print(f"  {'namespace':<34} {'op':<16.60} {'count':>6} {'ms':>7}")
    rows = sorted(table.items(), key=lambda item: -len(item[1]))
    for (namespace, kind), millis in rows:
        per, ms = len(millis) / count, sum(millis) / count
        print(f"  {namespace:<34} {kind:<16.60} {per:6.1f} {ms:7.1f}")
    total = sum(len(millis) for millis in table.values())
    print(f"  {'total':<51} {total / count:6.1f}")
    print(f"  of which the bench's status polls (declarations query ['_id']) {polls / count:.1f}")


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def report_run(title: str, run: Run) -> float:
    rate = run.count / run.wall
    p50, p95 = percentile(run.latencies, 50), percentile(run.latencies, 95)
    print(f"\n{title}: {run.count} declarations in {run.wall:.1f} s = {rate:.2f} declarations/s")
    print(f"  submit -> awaiting_verification  p50 {p50:.2f} s   p95 {p95:.2f} s")
    return rate


def poll_cost(stack: Stack, polls: int = 200) -> dict[str, float]:
    """CPU seconds per part that one status poll costs (the bench's, not the pipeline's)."""
    with httpx.Client(base_url=stack.config.intake_url, timeout=60) as intake:
        declaration_id, token = a.create_draft(intake, a.unique_bao())
        stack.settle()
        before, start = stack.cpu(), time.perf_counter()
        for _ in range(polls):
            a.status_of(intake, declaration_id, token)
        stack.settle()
        spent = stack.spent_since(before, start)
    return {name: cpu / polls for name, cpu in spent.items()}


def report_cpu(run: Run, cores: int, per_poll: dict[str, float]) -> None:
    per = {name: cpu / run.count for name, cpu in run.cpu.items()}
    polls = run.polls / run.count
    net = {name: max(v - polls * per_poll.get(name, 0.0), 0.0) for name, v in per.items()}
    total, net_total = sum(per.values()), sum(net.values())
    print(f"  CPU seconds per declaration (net: less the bench's {polls:.1f} status polls):")
    print(f"    {'part':<10} {'measured':>8} {'net':>8}")
    for name, value in sorted(per.items(), key=lambda item: -item[1]):
        print(f"    {name:<10} {value:8.3f} {net[name]:8.3f}")
    print(f"    {'total':<10} {total:8.3f} {net_total:8.3f}")
    print(f"  overhead / photo work (net): {(net_total - per['ocr_qr']) / per['ocr_qr']:.2f}x")
    ceiling = cores / per["ocr_qr"]
    rate = run.count / run.wall
    print(
        f"  photo-work ceiling {ceiling:.2f} declarations/s ({cores} cores / ocr_qr CPU); "
        f"throughput / ceiling = {rate / ceiling:.2f}"
    )
    print(f"  whole-stack CPU ceiling (net) {cores / net_total:.2f} declarations/s")
    if run.ops is not None:
        counts = ", ".join(f"{k} {v / run.count:.1f}" for k, v in run.ops.items() if v)
        print(f"  MongoDB ops per declaration (serverStatus opcounters): {counts}")


def photo_work_ms(sets: list[Photos]) -> tuple[float, float]:
    """ms of CPU per photo for the checks and per ID side for the QR decode, as a pool
    process does them."""
    from vssid_ocr_qr.adapters.quality import ImageKind, assess_image
    from vssid_ocr_qr.adapters.scanning import _ladder

    checks: list[float] = []
    decodes: list[float] = []
    _ladder()
    with Image.open(io.BytesIO(sets[0]["portrait"])) as image:
        assess_image("portrait", image)  # the first call loads the detectors: not per photo
    for photos in sets:
        for kind, data in photos.items():
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                start = time.process_time()
                assess_image(cast(ImageKind, kind), image)
                checks.append(time.process_time() - start)
                if kind != "portrait":
                    start = time.process_time()
                    _ladder().scan(image)
                    decodes.append(time.process_time() - start)
    return 1000 * statistics.mean(checks), 1000 * statistics.mean(decodes)


def photo_work(sets: list[Photos]) -> None:
    checks, decode = photo_work_ms(sets)
    photos = sum(len(photos) for photos in sets)
    print(f"\nphoto work in one process ({photos} photos, {photos - len(sets)} ID sides):")
    print(f"  checks  {checks:6.1f} ms per photo")
    print(f"  decode  {decode:6.1f} ms per ID side")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=60, help="declarations at full load")
    parser.add_argument("--k", type=int, default=8, help="declarations in flight")
    parser.add_argument(
        "--ocr-workers",
        type=int,
        default=1,
        help="ocr_qr processes on the one durable consumer (compare 1 with 2 for scaling)",
    )
    parser.add_argument(
        "--scan-workers",
        type=int,
        default=0,
        help="pool processes per ocr_qr worker (VSSID_SCAN_WORKERS; default one per core): "
        "with 1, two workers on 2 cores are sized as two machines' workers would be",
    )
    parser.add_argument("--half-n", type=int, default=None, help="at half load (default n/2)")
    parser.add_argument(
        "--mongo-profile",
        type=int,
        default=0,
        metavar="N",
        help="instead: N declarations with the MongoDB profiler on; print ops per declaration",
    )
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    half_n = args.half_n or max(args.n // 2, 2)
    people = applicants(2 + args.n + half_n + args.mongo_profile, first=secrets.randbelow(10**6))
    warm, full_people, rest = people[:2], people[2 : 2 + args.n], people[2 + args.n :]
    half_people, profiled = rest[:half_n], rest[half_n:]
    with tempfile.TemporaryDirectory() as tmp:
        config = config_on_free_ports(Path(tmp))
        env = {**os.environ, **config.service_env(), "VSSID_ENV": "test"}
        env["VSSID_SCAN_WORKERS"] = str(args.scan_workers)  # read by ocr_qr only
        servers = start_servers(config, echo=False)
        services: list[ManagedProcess] = []
        try:
            services = start_services(config, env, SERVICES)
            named = dict(zip(("nats", "mongo", "catcher"), servers, strict=True))
            named |= {p.name: p for p in services}
            for n in range(2, args.ocr_workers + 1):
                spec = default_services(config)["ocr_qr"]
                own = {**env, **nats_env(config, "ocr_qr")}  # its NATS login, as ocr_qr's
                extra = ManagedProcess(f"ocr_qr#{n}", spec.argv, env=own, echo=False).start()
                services.insert(0, extra)
                extra.wait_log(is_ready_event, 90)
                named[extra.name] = extra
            stack = Stack(config, named)
            closed_loop(stack, warm, 2)  # warm-up: first imports, connections, indexes
            if args.mongo_profile:
                mongo_round_trips(stack, profiled, args.k)
                return
            stack.measure_idle()
            full = closed_loop(stack, full_people, args.k)
            print(
                f"machine: {platform.machine()}, {cores} cores, Python "
                f"{platform.python_version()}; {args.n} declarations, {args.k} in flight, "
                f"{args.ocr_workers} ocr_qr worker(s) with "
                f"{args.scan_workers or cores} pool process(es) each, "
                "half with the email copy"
            )
            idle = ", ".join(f"{name} {rate:.3f}" for name, rate in sorted(stack.idle.items()))
            print(
                f"idle stack: {sum(stack.idle.values()):.3f} CPU s per s ({idle}),"
                " subtracted from every figure below"
            )
            rate = report_run("full load", full)
            report_cpu(full, cores, poll_cost(stack))
            half = open_loop(stack, half_people, rate / 2)
            report_run(f"half load ({rate / 2:.2f} arriving per second)", half)
            stack.close()
        finally:
            for process in services:
                process.stop(10)
            stop_servers(servers)
    photo_work([person.photos for person in people[:6]])


if __name__ == "__main__":
    main()
