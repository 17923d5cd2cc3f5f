"""Bench: what R3 on a 3-node cluster costs JetStream publishes, against R1 on the same cluster,
and how long the stream is without a leader after its leader is SIGKILLed.

Starts three nats-servers on loopback (tests/support/nats_cluster.py: the dev stack's users,
`sync_interval: always` on every node), declares the streams at R1, publishes N acked 1 KiB
events as intake (one at a time, as the outbox does, then `--window` in flight), scales them to
R3 with the bootstrap and publishes again. Then SIGKILLs the DECLARATIONS leader and measures
the time until a publish is acknowledged again. All nodes share one disk and two cores here:
a real cluster pays a network round trip per replica instead.
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
from pathlib import Path

from nats.errors import Error as NatsError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.support is not installed

from tests.support.nats_cluster import NatsCluster, nats_cluster, stream_leader
from vssid_shared.bootstrap import declare_all
from vssid_shared.nats_login import NatsLogin
from vssid_shared.subjects import STREAM

SUBJECT = "declarations.0000.submitted"
PAYLOAD = b"x" * 1024


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


def measure(label: str, login: NatsLogin, n: int, window: int) -> tuple[float, float]:
    ms = sorted(x * 1000 for x in asyncio.run(one_at_a_time(login, n, label)))
    rate = asyncio.run(windowed(login, n, window, label))
    p50, p99 = statistics.median(ms), ms[int(len(ms) * 0.99) - 1]
    serial_rate = len(ms) / (sum(ms) / 1000)
    print(
        f"{label:<4} one at a time {serial_rate:7.0f} msg/s  p50 {p50:6.2f} ms  p99 {p99:6.2f} ms"
        f"   windowed {rate:7.0f} msg/s"
    )
    return serial_rate, rate


async def _quiet(error: Exception) -> None:
    """The dead node's refused reconnects are expected here: not worth a traceback each."""


async def publish_until_acked(cluster: NatsCluster, give_up_after: float) -> float:
    """Seconds from now until one publish is acknowledged (retrying while there is no leader)."""
    nc = await cluster.login("intake").connect(error_cb=_quiet)
    js = nc.jetstream()
    start = time.perf_counter()
    try:
        for i in range(10**6):
            try:
                await js.publish(SUBJECT, b"x", headers={"Nats-Msg-Id": f"failover-{i}"}, timeout=1)
                return time.perf_counter() - start
            except (NatsError, TimeoutError):  # no leader yet, or its node gone: try again
                if time.perf_counter() - start > give_up_after:
                    raise
                await asyncio.sleep(0.05)
    finally:
        await nc.close()
    raise AssertionError("unreachable")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1000, help="messages per mode")
    parser.add_argument("--window", type=int, default=64, help="publishes in flight")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; 3 nodes on loopback, stores in {tempfile.gettempdir()}"
    )
    print(f"{args.n} acked 1 KiB publishes per mode, window {args.window}")
    with tempfile.TemporaryDirectory() as tmp, nats_cluster(Path(tmp), echo=False) as cluster:
        intake = cluster.login("intake")
        login = cluster.login("bootstrap")
        asyncio.run(declare_all(login, replicas=1))
        r1 = measure("R1", intake, args.n, args.window)
        asyncio.run(declare_all(login, replicas=3))
        r3 = measure("R3", intake, args.n, args.window)
        print(f"R3 / R1: one at a time {r3[0] / r1[0]:.2f}x, windowed {r3[1] / r1[1]:.2f}x")
        leader, _ = stream_leader(login, STREAM)
        node = cluster.node(leader)
        node.process.kill()
        node.process.wait(10)
        gap = asyncio.run(publish_until_acked(cluster, 60))
        print(f"leader {leader} SIGKILLed: next publish acknowledged after {gap:.2f} s")


if __name__ == "__main__":
    main()
