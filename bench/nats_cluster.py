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

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from nats.errors import Error as NatsError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench, tests.support: not installed

from bench.publishes import SUBJECT, arguments, declare_streams, measure, print_header, print_ratio
from tests.support.nats_cluster import NatsCluster, nats_cluster, stream_leader
from vssid_shared.subjects import STREAM


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
    args = arguments(__doc__, default_n=1000)
    print_header(args, f"3 nodes on loopback, stores in {tempfile.gettempdir()}")
    with tempfile.TemporaryDirectory() as tmp, nats_cluster(Path(tmp), echo=False) as cluster:
        intake = cluster.login("intake")
        login = cluster.login("bootstrap")
        declare_streams(login, replicas=1)
        r1 = measure("R1", intake, args.n, args.window, label_width=4, rate_width=7)
        declare_streams(login, replicas=3)
        r3 = measure("R3", intake, args.n, args.window, label_width=4, rate_width=7)
        print_ratio("R3 / R1", r3, r1)
        leader, _ = stream_leader(login, STREAM)
        node = cluster.node(leader)
        node.process.kill()
        node.process.wait(10)
        gap = asyncio.run(publish_until_acked(cluster, 60))
        print(f"leader {leader} SIGKILLed: next publish acknowledged after {gap:.2f} s")


if __name__ == "__main__":
    main()
