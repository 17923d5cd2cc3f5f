"""What the NATS benches share: acked 1 KiB publishes as intake, timed two ways, and printed.

`bench/nats_sync.py` (fsync policy) and `bench/nats_cluster.py` (R1 against R3) differ only in
the servers they start; the streams, the publish loops and the report are these.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import time
from dataclasses import dataclass

from vssid_shared.bootstrap import declare_all
from vssid_shared.nats_login import NatsLogin

SUBJECT = "declarations.0000.submitted"
PAYLOAD = b"x" * 1024


@dataclass(frozen=True)
class Rates:
    one_at_a_time: float  # msg/s, each publish waiting for its ack
    windowed: float  # msg/s, `window` publishes in flight


def arguments(description: str | None, default_n: int) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--n", type=int, default=default_n, help="messages per mode")
    parser.add_argument("--window", type=int, default=64, help="publishes in flight")
    return parser.parse_args()


def print_header(args: argparse.Namespace, where: str) -> None:
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; {where}"
    )
    print(f"{args.n} acked 1 KiB publishes per mode, window {args.window}")


def declare_streams(bootstrap: NatsLogin, replicas: int = 1) -> None:
    """The streams and consumers as the bootstrap declares them, at `replicas` copies."""
    asyncio.run(declare_all(bootstrap, replicas=replicas))


async def one_at_a_time(login: NatsLogin, n: int, tag: str) -> list[float]:
    """Latencies of `n` publishes, each waiting for its ack (as intake's outbox does)."""
    nc = await login.connect()
    js = nc.jetstream()
    latencies = []
    try:
        for i in range(n):
            start = time.perf_counter()
            await js.publish(SUBJECT, PAYLOAD, headers={"Nats-Msg-Id": f"{tag}-serial-{i}"})
            latencies.append(time.perf_counter() - start)
    finally:
        await nc.close()
    return latencies


async def windowed(login: NatsLogin, n: int, window: int, tag: str) -> float:
    """Messages per second with `window` publishes awaiting their acks at once."""
    nc = await login.connect()
    js = nc.jetstream()
    gate = asyncio.Semaphore(window)

    async def send(i: int) -> None:
        async with gate:
            await js.publish(SUBJECT, PAYLOAD, headers={"Nats-Msg-Id": f"{tag}-window-{i}"})

    try:
        start = time.perf_counter()
        await asyncio.gather(*(send(i) for i in range(n)))
        return n / (time.perf_counter() - start)
    finally:
        await nc.close()


def measure(
    label: str, login: NatsLogin, n: int, window: int, *, label_width: int, rate_width: int
) -> Rates:
    """Both modes through `login` (`label` keeps their message ids apart); one line printed."""
    ms = sorted(x * 1000 for x in asyncio.run(one_at_a_time(login, n, label)))
    rates = Rates(len(ms) / (sum(ms) / 1000), asyncio.run(windowed(login, n, window, label)))
    p50, p99 = statistics.median(ms), ms[int(len(ms) * 0.99) - 1]
    print(
        f"{label:<{label_width}} one at a time {rates.one_at_a_time:{rate_width}.0f} msg/s  "
        f"p50 {p50:6.2f} ms  p99 {p99:6.2f} ms   windowed {rates.windowed:{rate_width}.0f} msg/s"
    )
    return rates


def print_ratio(name: str, numerator: Rates, denominator: Rates) -> None:
    print(
        f"{name}: one at a time {numerator.one_at_a_time / denominator.one_at_a_time:.2f}x, "
        f"windowed {numerator.windowed / denominator.windowed:.2f}x"
    )
