"""Bench: what `sync_interval: always` costs JetStream publishes, against the default.

Starts two nats-servers on free ports, as `vssid dev` configures them (users, permissions,
file storage), one with `sync_interval: always` (fsync before every PubAck) and one with
nats-server's default (fsync every 2 minutes). Publishes N acked 1 KiB events to each as
intake: first one at a time (each waits for its ack, as intake's outbox does), then with
`--window` publishes in flight. Prints rates, latency percentiles and the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from vssid.devstack.servers import Stack, config_on_free_ports, nats_process
from vssid_shared.bootstrap import declare_all

SUBJECT = "declarations.0000.submitted"
PAYLOAD = b"x" * 1024


async def one_at_a_time(stack: Stack, n: int) -> list[float]:
    nc = await stack.nats_login("intake").connect()
    js = nc.jetstream()
    latencies = []
    try:
        for i in range(n):
            start = time.perf_counter()
            await js.publish(SUBJECT, PAYLOAD, headers={"Nats-Msg-Id": f"serial-{i}"})
            latencies.append(time.perf_counter() - start)
    finally:
        await nc.close()
    return latencies


async def windowed(stack: Stack, n: int, window: int) -> float:
    """Messages per second with `window` publishes awaiting their acks at once."""
    nc = await stack.nats_login("intake").connect()
    js = nc.jetstream()
    gate = asyncio.Semaphore(window)

    async def send(i: int) -> None:
        async with gate:
            await js.publish(SUBJECT, PAYLOAD, headers={"Nats-Msg-Id": f"window-{i}"})

    try:
        start = time.perf_counter()
        await asyncio.gather(*(send(i) for i in range(n)))
        return n / (time.perf_counter() - start)
    finally:
        await nc.close()


def measure(sync_interval: str, n: int, window: int) -> tuple[list[float], float]:
    with tempfile.TemporaryDirectory() as tmp:
        config = replace(config_on_free_ports(Path(tmp)), nats_sync_interval=sync_interval)
        (Path(tmp) / "nats").mkdir()
        server = nats_process(config, Path(tmp) / "nats", echo=False).start()
        try:
            server.wait_http(f"{config.nats_monitor_url}/healthz?js-enabled-only=true", 60)
            stack = Stack.from_config(config)
            asyncio.run(declare_all(stack.nats_login("bootstrap")))
            serial = asyncio.run(one_at_a_time(stack, n))
            rate = asyncio.run(windowed(stack, n, window))
        finally:
            server.stop(10)
    return serial, rate


def describe(label: str, serial: list[float], rate: float) -> tuple[float, float]:
    ms = sorted(x * 1000 for x in serial)
    p50, p99 = statistics.median(ms), ms[int(len(ms) * 0.99) - 1]
    serial_rate = len(ms) / (sum(ms) / 1000)
    print(
        f"{label:<22} one at a time {serial_rate:8.0f} msg/s  p50 {p50:6.2f} ms  p99 {p99:6.2f} ms"
        f"   windowed {rate:8.0f} msg/s"
    )
    return serial_rate, rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2000, help="messages per mode")
    parser.add_argument("--window", type=int, default=64, help="publishes in flight")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; store in {tempfile.gettempdir()}"
    )
    print(f"{args.n} acked 1 KiB publishes per mode, window {args.window}")
    default = describe("default (2 min fsync)", *measure("2m", args.n, args.window))
    always = describe("sync_interval always", *measure("always", args.n, args.window))
    print(
        f"always / default: one at a time {always[0] / default[0]:.2f}x, "
        f"windowed {always[1] / default[1]:.2f}x"
    )


if __name__ == "__main__":
    main()
