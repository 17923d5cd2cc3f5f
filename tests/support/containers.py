"""`--stack=containers`: NATS and MongoDB in containers (testcontainers), the catcher local.

Image names come from settings, so a machine without a registry runs the stand-ins that
deploy/local/build-images.sh builds (`make test-containers` sets them):

| variable | default (upstream) | stand-in |
| --- | --- | --- |
| VSSID_TEST_NATS_IMAGE | nats:2.11-alpine | vssid-local/nats:latest |
| VSSID_TEST_MONGO_IMAGE | mongo:8 | vssid-local/mongo:latest |

NATS runs with the same users, permissions and `sync_interval` as the dev stack's (the config
is written under the session's data dir and mounted read-only), so the permission tests mean
the same thing in this mode.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

import httpx

from vssid.devstack import nats_auth
from vssid.devstack.config import StackConfig
from vssid.devstack.probes import mongo_answers
from vssid.devstack.servers import Stack, catcher_process, config_on_free_ports
from vssid_shared.nats_access import USERS
from vssid_shared.settings import EMBEDDED_MONGO_QUERY

NATS_IMAGE = "VSSID_TEST_NATS_IMAGE"
MONGO_IMAGE = "VSSID_TEST_MONGO_IMAGE"
UPSTREAM_MONGO = "mongo:8"
READY_TIMEOUT = 90.0


def docker_problem() -> str | None:
    """Why no Docker engine can be used, or None when one answers."""
    try:
        from testcontainers.core.docker_client import DockerClient

        DockerClient().client.ping()
    except Exception as error:  # any failure here means "no usable engine"
        return f"{type(error).__name__}: {error}"
    return None


def prepare_environment() -> None:
    # No registry for Ryuk's image on these machines; the context managers clean up instead.
    os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")
    # A machine that is itself a container (a /.dockerenv file) makes testcontainers reach the
    # containers through the bridge gateway; ports published on the host are what works here.
    os.environ.setdefault("TESTCONTAINERS_CONNECTION_MODE", "docker_host")


def wait_for(check: Any, what: str, timeout: float = READY_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (OSError, httpx.HTTPError):
            pass
        time.sleep(0.25)
    raise TimeoutError(f"{what} not ready after {timeout:.0f} s")


def nats_container(data_dir: Path) -> tuple[Any, dict[str, str]]:
    """NATS with our users: (container, passwords). The config lives in `data_dir`."""
    from testcontainers.core.container import DockerContainer

    passwords = nats_auth.ensure_passwords(data_dir, USERS)
    nats_auth.write_users(data_dir, passwords)
    conf_dir = nats_auth.auth_dir(data_dir)
    sync = os.environ.get("VSSID_NATS_SYNC_INTERVAL", "").strip() or "always"
    nats_auth.write_private(
        conf_dir / nats_auth.SERVER_CONF,
        nats_auth.server_conf(
            host="0.0.0.0",  # inside the container; published on the host's loopback
            port=4222,
            monitor_port=8222,
            store_dir=Path("/data/jetstream"),
            sync_interval=sync,
            server_name="vssid-test",
        ),
    )
    container = (
        DockerContainer(os.environ.get(NATS_IMAGE, "nats:2.11-alpine"))
        .with_exposed_ports(4222, 8222)
        .with_volume_mapping(str(conf_dir), "/etc/nats", "ro")
        .with_command("-c /etc/nats/server.conf")
    )
    return container, passwords


def mongo_container() -> Any:
    image = os.environ.get(MONGO_IMAGE, UPSTREAM_MONGO)
    if image == UPSTREAM_MONGO:
        from testcontainers.community.mongodb import MongoDbContainer

        return MongoDbContainer(image)
    from testcontainers.core.container import DockerContainer

    # The stand-in (SecantusDB) needs no flags: its entry point holds them.
    return DockerContainer(image).with_exposed_ports(27017)


def mongo_url(container: Any) -> str:
    if hasattr(container, "get_connection_url"):
        return str(container.get_connection_url())
    host = container.get_container_host_ip()
    # The stand-in is SecantusDB: the embedded server's query (directConnection, retryWrites).
    return f"mongodb://{host}:{container.get_exposed_port(27017)}/?{EMBEDDED_MONGO_QUERY}"


@contextmanager
def containers_stack(data_dir: Path) -> Iterator[Stack]:
    from testcontainers.core.network import Network

    prepare_environment()
    config = config_on_free_ports(data_dir)
    # A network of their own: on some engines (seen here) the default bridge forwards nothing
    # from the host, while a user-defined bridge, as compose creates, does.
    with Network() as network:
        nats, passwords = nats_container(data_dir)
        mongo = mongo_container()
        with (
            nats.with_network(network),
            mongo.with_network(network),
            (data_dir / "catcher.log").open("a", encoding="utf-8") as log,
        ):
            yield from _ready_stack(config, data_dir, nats, mongo, passwords, log)


def _ready_stack(
    config: StackConfig,
    data_dir: Path,
    nats: Any,
    mongo: Any,
    passwords: dict[str, str],
    log: TextIO,
) -> Iterator[Stack]:
    host = nats.get_container_host_ip()
    monitor = f"http://{host}:{nats.get_exposed_port(8222)}/healthz?js-enabled-only=true"
    wait_for(lambda: httpx.get(monitor, timeout=2).status_code == 200, "NATS")
    url = mongo_url(mongo)
    wait_for(lambda: mongo_answers(url), "MongoDB")
    catcher = catcher_process(config, data_dir / "mail", echo=log).start()
    try:
        catcher.wait_http(f"{config.mail_api_url}/health", READY_TIMEOUT)
        yield replace(
            Stack.from_config(config),
            nats_url=f"nats://{host}:{nats.get_exposed_port(4222)}",
            mongo_url=url,
            nats_passwords=passwords,
        )
    finally:
        catcher.stop(5.0)
