"""Bench: what a year of an office's cases costs the stack (issue 14).

Starts NATS, the MongoDB-protocol server and the catcher on free ports, fills the database
through the services' own stores (`bench/scale_fill.py`: 30 open cases, the rest closed
history), starts the four services and measures, at each size:

- idle CPU of the whole stack (servers and services, children included) while nothing happens;
- the office queue of cases awaiting verification (`GET /v1/review/queue`), p50/p95;
- a by-reference lookup of an old case (`GET /v1/review/declarations/by-reference/...`);
- a social-insurance lookup (`GET /v1/social-insurance/lookup`, the registry);
- one pass of review's deadline sweeper (in this process, on the same database);

then prints each figure's ratio to the first (smallest) size. Services are stopped while the
next size is filled, so no relay or sweeper competes with the fill.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.scale_fill import AGENCY, Filler, person, reference
from vssid.devstack.catalog import default_services, is_ready_event
from vssid.devstack.config import StackConfig
from vssid.devstack.servers import config_on_free_ports, start_servers, stop_servers
from vssid.devstack.supervisor import ManagedProcess
from vssid_review.adapters.cases import CaseStore
from vssid_review.adapters.operators import OperatorStore
from vssid_review.handlers import sweep_deadlines
from vssid_review.ports import Deps, SweepPolicy
from vssid_shared.clock import utc_now
from vssid_shared.crypto import Keys
from vssid_shared.images import ImageVault
from vssid_shared.mongo import Doc
from vssid_shared.settings import DEV_SECRET

SERVICES = ("intake", "review", "ocr_qr", "notifier")
TICKS = os.sysconf("SC_CLK_TCK")


def start_services(config: StackConfig, env: dict[str, str]) -> list[ManagedProcess]:
    specs = default_services(config)
    started = []
    for name in SERVICES:
        spec = specs[name]
        process = ManagedProcess(spec.name, spec.argv, env=env, echo=False).start()
        started.append(process)
        if spec.ready_url is not None:
            process.wait_http(spec.ready_url, 120)
        else:
            process.wait_log(is_ready_event, 120)
    return started


def cpu_seconds(groups: set[int]) -> dict[int, float]:
    """User+system seconds of every live process in these process groups, by group
    (ManagedProcess starts each server and service as a group leader, so pool children count)."""
    totals = dict.fromkeys(groups, 0)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        group = int(fields[2])  # pgrp
        if group in totals:
            totals[group] += int(fields[11]) + int(fields[12])  # utime, stime
    return {group: ticks / TICKS for group, ticks in totals.items()}


def idle_cores(processes: list[ManagedProcess], settle: float, seconds: float) -> dict[str, float]:
    """Cores used while nothing happens, by process and in total."""
    names = {p.pid: p.name for p in processes if p.pid is not None}
    time.sleep(settle)
    before, start = cpu_seconds(set(names)), time.monotonic()
    time.sleep(seconds)
    after, elapsed = cpu_seconds(set(names)), time.monotonic() - start
    used = {names[g]: (after[g] - before[g]) / elapsed for g in names}
    return {"idle cores": sum(used.values()), **{f"  {n}": c for n, c in used.items()}}


def timed_ms(call: Callable[[int], httpx.Response], n: int) -> tuple[float, float]:
    samples = []
    for i in range(n):
        start = time.perf_counter()
        response = call(i)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.text
    samples.sort()
    return statistics.median(samples), samples[max(0, round(0.95 * len(samples)) - 1)]


class _NoRelay:
    def kick(self) -> None:
        return None

    def kick_first(self, collection: str, doc_id: Any, events: Sequence[Any]) -> None:
        return None


async def sweep_ms(db: AsyncDatabase[Doc], keys: Keys) -> float:
    review = Deps(CaseStore(db), ImageVault(db, keys.images), _NoRelay(), keys, utc_now, 30)
    start = time.perf_counter()
    await sweep_deadlines(SweepPolicy(5, 60.0, 0, 900.0, 5), deps=review)
    return (time.perf_counter() - start) * 1000


def measure(
    config: StackConfig, token: str, size: int, args: argparse.Namespace
) -> dict[str, float]:
    headers = {"Authorization": f"Bearer {token}"}
    old = [reference(30 + (i * 7919) % (size - 30)) for i in range(args.requests)]
    people = [person((i * 104729) % size) for i in range(args.requests)]
    with (
        httpx.Client(base_url=config.review_url, headers=headers, timeout=60) as review,
        httpx.Client(base_url=config.intake_url, timeout=60) as intake,
    ):
        queue = {"status": "awaiting_verification"}
        review.get("/v1/review/queue", params=queue)  # warm: connection, first-use imports
        q50, q95 = timed_ms(lambda _: review.get("/v1/review/queue", params=queue), args.requests)
        r50, r95 = timed_ms(
            lambda i: review.get(f"/v1/review/declarations/by-reference/{old[i]}"), args.requests
        )

        def lookup(i: int) -> httpx.Response:
            p = people[i]
            query = {
                "full_name": p["full_name"],
                "date_of_birth": p["date_of_birth"],
                "province_code": "48",
            }
            return intake.get("/v1/social-insurance/lookup", params=query)

        s50, s95 = timed_ms(lookup, args.requests)
    return {"queue p50": q50, "queue p95": q95, "by-ref p50": r50, "by-ref p95": r95,
            "SI lookup p50": s50, "SI lookup p95": s95}  # fmt: skip


async def run(args: argparse.Namespace) -> list[tuple[int, dict[str, float]]]:
    results = []
    keys = Keys(DEV_SECRET)
    with tempfile.TemporaryDirectory(prefix="vssid-scale-") as tmp:
        config = config_on_free_ports(Path(tmp))
        db_name = "vssid"
        env = {
            **os.environ,
            **config.service_env(),
            "VSSID_MONGO_DB": db_name,
            "VSSID_LOOKUP_RATE_PER_MINUTE": "1000000",
        }
        servers = start_servers(config, echo=False)
        client: AsyncMongoClient[Doc] = AsyncMongoClient(config.mongo_url, tz_aware=True)
        try:
            boot = [sys.executable, "-m", "vssid_shared.bootstrap"]
            ManagedProcess("boot", boot, env=env, echo=False).start().wait(60)
            db = client[db_name]
            _, token = await OperatorStore(db).add("Bench", AGENCY, utc_now())
            filler = Filler(db, keys)
            for size in args.sizes:
                start = time.perf_counter()
                await filler.fill_to(size)
                took = time.perf_counter() - start
                print(f"filled {size} declarations in {took:.0f} s", flush=True)
                services = start_services(config, env)
                try:
                    idle = idle_cores(servers + services, args.settle, args.idle_seconds)
                    print(
                        size, "idle by process", {k.strip(): round(v, 3) for k, v in idle.items()}
                    )
                    figures = {"idle cores": idle["idle cores"]}
                    figures |= measure(config, token, size, args)
                    figures["sweep ms"] = await sweep_ms(db, keys)
                finally:
                    for process in reversed(services):
                        process.stop(15)
                results.append((size, figures))
                print(size, {k: round(v, 3) for k, v in figures.items()}, flush=True)
        finally:
            await client.close()
            stop_servers(servers)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--settle", type=float, default=20.0, help="seconds before idle CPU")
    parser.add_argument("--idle-seconds", type=float, default=30.0)
    args = parser.parse_args()
    results = asyncio.run(run(args))
    cores = os.cpu_count() or 1
    print(f"\nmachine: {platform.machine()}, {cores} cores, Python {platform.python_version()}")
    base = results[0][1]
    names = list(base)
    print("| declarations | " + " | ".join(names) + " |")
    print("|---" * (len(names) + 1) + "|")
    for size, figures in results:
        cells = []
        for name in names:
            value, ratio = figures[name], figures[name] / base[name] if base[name] else 0.0
            shown = f"{value:.3f}" if name == "idle cores" else f"{value:.1f}"
            cells.append(shown if size == results[0][0] else f"{shown} ({ratio:.2f}x)")
        print(f"| {size} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
