"""A 3-node NATS cluster on loopback for tests: the devstack's users, permissions and fsync
policy on every node, routes between them on free ports, each node its own JetStream store.

`cluster_stack` adds the devstack's SecantusDB and mail/SMS catcher, so the services run on it
exactly as on the one-server stack (`Stack.nats_url` lists the three client URLs).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

from vssid.devstack import nats_auth
from vssid.devstack.probes import mongo_answers
from vssid.devstack.servers import (
    Stack,
    catcher_process,
    config_on_free_ports,
    free_ports,
    mongo_process,
    stop_servers,
    tool_path,
)
from vssid.devstack.supervisor import ManagedProcess
from vssid_shared.nats_access import USERS
from vssid_shared.nats_login import NatsLogin

CLUSTER_NAME = "vssid"
READY_TIMEOUT = 60.0


@dataclass
class NatsNode:
    name: str
    client_port: int
    monitor_port: int
    process: ManagedProcess

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.client_port}"

    @property
    def health_url(self) -> str:
        # Plain /healthz: answers 200 only once this node's JetStream is current with the
        # cluster's meta leader, so streams can be placed on it.
        return f"http://127.0.0.1:{self.monitor_port}/healthz"

    def start(self) -> None:
        self.process.start()
        self.process.wait_http(self.health_url, READY_TIMEOUT)


@dataclass
class NatsCluster:
    nodes: list[NatsNode]
    passwords: dict[str, str]

    @property
    def urls(self) -> str:
        """The client URLs, comma-separated, as VSSID_NATS_URL takes them."""
        return ",".join(node.url for node in self.nodes)

    def login(self, user: str) -> NatsLogin:
        return NatsLogin(self.urls, user, self.passwords[user])

    def node(self, name: str) -> NatsNode:
        return next(node for node in self.nodes if node.name == name)


def _node_conf(data_dir: Path, name: str, ports: tuple[int, int, int], routes: list[int]) -> Path:
    client, monitor, cluster = ports
    text = nats_auth.server_conf(
        host="127.0.0.1",
        port=client,
        monitor_port=monitor,
        store_dir=data_dir / "nats" / name,
        sync_interval="always",
        server_name=name,
        cluster={
            "name": CLUSTER_NAME,
            "listen": f"127.0.0.1:{cluster}",
            "routes": [f"nats://127.0.0.1:{port}" for port in routes],
        },
    )
    # Beside users.conf, which each node's config includes by a relative path.
    path = nats_auth.auth_dir(data_dir) / f"{name}.conf"
    nats_auth.write_private(path, text)
    return path


@contextmanager
def nats_cluster(data_dir: Path, echo: TextIO | bool, size: int = 3) -> Iterator[NatsCluster]:
    """`size` nats-server processes routed to each other; all stopped on exit."""
    passwords = nats_auth.ensure_passwords(data_dir, USERS)
    nats_auth.write_users(data_dir, passwords)
    ports = free_ports(3 * size)
    cluster_ports = ports[2 * size :]
    nodes = []
    for i in range(size):
        name = f"n{i + 1}"
        conf = _node_conf(
            data_dir, name, (ports[2 * i], ports[2 * i + 1], cluster_ports[i]), cluster_ports
        )
        argv = [tool_path("nats-server"), "-c", str(conf)]
        process = ManagedProcess(name, argv, echo=echo)
        nodes.append(NatsNode(name, ports[2 * i], ports[2 * i + 1], process))
    try:
        for node in nodes:
            node.process.start()  # all at once: none is healthy before a meta leader is elected
        for node in nodes:
            node.process.wait_http(node.health_url, READY_TIMEOUT)
        yield NatsCluster(nodes, passwords)
    finally:
        stop_servers([node.process for node in nodes])


@contextmanager
def cluster_stack(data_dir: Path) -> Iterator[tuple[Stack, NatsCluster]]:
    """The cluster plus SecantusDB and the catcher: a `Stack` the e2e `launch` runs on."""
    config = config_on_free_ports(data_dir)
    for sub in ("mongo", "mail"):
        (data_dir / sub).mkdir(parents=True, exist_ok=True)
    # The log is opened first, so it is closed last: after every server has stopped writing.
    with (data_dir / "servers.log").open("a", encoding="utf-8") as log, ExitStack() as stack:
        cluster = stack.enter_context(nats_cluster(data_dir, log))
        mongo = mongo_process(config, data_dir / "mongo", echo=log).start()
        stack.callback(stop_servers, [mongo])
        mail = catcher_process(config, data_dir / "mail", echo=log).start()
        stack.callback(stop_servers, [mail])
        mongo.wait_until(lambda: mongo_answers(config.mongo_url), READY_TIMEOUT, "no ping")
        mail.wait_http(f"{config.mail_api_url}/health", READY_TIMEOUT)
        yield replace(Stack.from_config(config), nats_url=cluster.urls), cluster


async def _stream_cluster(login: NatsLogin, stream: str) -> tuple[str, list[str]]:
    nc = await login.connect()
    try:
        info = await nc.jsm().stream_info(stream)
    finally:
        await nc.close()
    assert info.cluster is not None, f"{stream} has no cluster info"
    peers = [replica.name or "" for replica in info.cluster.replicas or []]
    return info.cluster.leader or "", peers


def stream_leader(login: NatsLogin, stream: str) -> tuple[str, list[str]]:
    """The node leading `stream` and the names of its other replicas (from stream info)."""
    return asyncio.run(_stream_cluster(login, stream))
