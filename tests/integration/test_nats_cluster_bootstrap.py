"""The bootstrap brings existing streams and consumers to the configured shape, on a real
3-node cluster: streams and consumers made with an old config (one replica, other limits and
ack wait) are updated in place, R1 to R3, and a second run changes nothing."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from nats.js.api import ConsumerConfig, StreamConfig

from tests.support.nats_cluster import NatsCluster, nats_cluster
from vssid_shared.bootstrap import consumer_configs, declare_all, stream_configs
from vssid_shared.nats_login import NatsLogin
from vssid_shared.subjects import CONSUMERS, DEADLETTER_STREAM, STREAM, VIEW_STREAM


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsCluster]:
    data_dir = tmp_path_factory.mktemp("cluster-bootstrap")
    with (
        (data_dir / "servers.log").open("a", encoding="utf-8") as log,
        nats_cluster(data_dir, log) as running,
    ):
        yield running


async def _create_old_shape(login: NatsLogin) -> None:
    """What an older release left: R1, a smaller message limit, a shorter ack wait."""
    nc = await login.connect()
    try:
        jsm = nc.jsm()
        for config in stream_configs(replicas=1):
            old = config.evolve(max_msg_size=4096) if config.name == STREAM else config
            await jsm.add_stream(old)
        for consumer in consumer_configs(ack_wait=5.0, replicas=1):
            await jsm.add_consumer(STREAM, consumer.evolve(max_deliver=3))
    finally:
        await nc.close()


async def _shape(login: NatsLogin) -> tuple[dict[str, StreamConfig], dict[str, ConsumerConfig]]:
    nc = await login.connect()
    try:
        jsm = nc.jsm()
        streams = {}
        for name in (STREAM, VIEW_STREAM, DEADLETTER_STREAM):
            info = await jsm.stream_info(name)
            assert info.cluster is not None
            # The leader plus two current followers: three copies on three nodes.
            assert len(info.cluster.replicas or []) == 2, (name, info.cluster)
            streams[name] = info.config
        consumers = {
            c.durable: (await jsm.consumer_info(STREAM, c.durable)).config for c in CONSUMERS
        }
        return streams, consumers
    finally:
        await nc.close()


def _bootstrap(cluster: NatsCluster, replicas: int) -> str:
    env = {
        **os.environ,
        **cluster.login("bootstrap").env(),
        "VSSID_NATS_REPLICAS": str(replicas),
        "VSSID_ACK_WAIT_SECONDS": "30",
        "VSSID_ENV": "test",
    }
    result = subprocess.run(
        [sys.executable, "-m", "vssid_shared.bootstrap"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=Path(__file__).parents[2],
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def test_bootstrap_updates_streams_and_consumers_in_place(cluster: NatsCluster) -> None:
    login = cluster.login("bootstrap")
    asyncio.run(_create_old_shape(login))

    output = _bootstrap(cluster, replicas=3)

    streams, consumers = asyncio.run(_shape(login))
    for name, config in streams.items():
        assert config.num_replicas == 3, name
    assert streams[STREAM].max_msg_size == 1024 * 1024
    for durable, consumer in consumers.items():
        assert consumer.num_replicas == 3, durable
        assert consumer.ack_wait == 30.0, durable
        assert consumer.max_deliver == 8, durable
    assert "stream updated" in output
    assert "consumer updated" in output

    # Idempotent: the same configuration again changes nothing.
    again = asyncio.run(declare_all(login, ack_wait=30.0, replicas=3))
    assert set(again.values()) == {"unchanged"}, again
