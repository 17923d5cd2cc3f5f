"""The `stack` fixture: NATS, MongoDB and mail from local processes, containers or env URLs."""

from __future__ import annotations

import contextlib
import json
import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from pymongo import MongoClient
from pymongo.errors import PyMongoError

from tests.support import containers
from vssid.devstack.servers import (
    Stack,
    config_on_free_ports,
    free_port,
    start_servers,
    stop_servers,
)

__all__ = ["Stack", "free_port"]

# Property tests are repeatable by default, so a red `make test` is a real regression and never
# a lucky draw; no deadline, since a loaded CI box runs examples slower. HYPOTHESIS_PROFILE=explore
# draws new examples each run (what found the duplicate `unknown_field` of invisible keys).
settings.register_profile("repeatable", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("explore", deadline=None, max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

STACK_MODES = ("local", "external", "containers")
EXTERNAL_VARIABLES = (
    "VSSID_NATS_URL",
    "VSSID_MONGO_URL",
    "VSSID_SMTP_URL",
    "VSSID_MAIL_API_URL",
    "VSSID_SMS_URL",
)
READY_TIMEOUT = 60.0


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--stack",
        choices=STACK_MODES,
        default="local",
        help="where NATS, MongoDB and mail come from: local processes on free ports (default), "
        "external servers named by VSSID_*_URL, or testcontainers (needs Docker)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    mode = config.getoption("--stack")
    if mode == "local":
        return
    skip = pytest.mark.skip(reason=f"needs the stack's servers as local processes, not {mode}")
    for item in items:
        if item.get_closest_marker("local_servers") is not None:
            item.add_marker(skip)


@contextmanager
def _local_stack(data_dir: Path) -> Iterator[Stack]:
    config = config_on_free_ports(data_dir)
    # Server output goes to a file: relayed into pytest's capture it would bury test output.
    with (data_dir / "servers.log").open("a", encoding="utf-8") as log:
        processes = start_servers(config, echo=log, timeout=READY_TIMEOUT)
        try:
            yield Stack.from_config(config)
        finally:
            stop_servers(processes)


@contextmanager
def _external_stack(data_dir: Path) -> Iterator[Stack]:
    missing = [var for var in EXTERNAL_VARIABLES if not os.environ.get(var)]
    if missing:
        pytest.fail(f"--stack=external needs these environment variables: {', '.join(missing)}")
    env = os.environ
    # Users of an authenticating server: a passwords.json as `vssid nats deploy-config` writes.
    passwords_file = env.get("VSSID_TEST_NATS_PASSWORDS")
    passwords = json.loads(Path(passwords_file).read_text()) if passwords_file else {}
    yield Stack(
        nats_passwords=passwords,
        nats_url=env["VSSID_NATS_URL"],
        mongo_url=env["VSSID_MONGO_URL"],
        smtp_url=env["VSSID_SMTP_URL"],
        mail_api_url=env["VSSID_MAIL_API_URL"],
        sms_url=env["VSSID_SMS_URL"],
        data_dir=data_dir,
    )


@contextmanager
def _containers_stack(data_dir: Path) -> Iterator[Stack]:
    problem = containers.docker_problem()
    if problem is not None:
        pytest.skip(f"--stack=containers needs a reachable Docker engine ({problem})")
    with containers.containers_stack(data_dir) as ready:
        yield ready


@pytest.fixture(scope="session")
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """NATS (JetStream), MongoDB and the mail catcher for the whole session, torn down after."""
    mode = request.config.getoption("--stack")
    data_dir = tmp_path_factory.mktemp("stack")
    factories = {
        "local": _local_stack,
        "external": _external_stack,
        "containers": _containers_stack,
    }
    with factories[mode](data_dir) as ready:
        yield ready


@pytest.fixture
def mongo_db_name(request: pytest.FixtureRequest, stack: Stack) -> Iterator[str]:
    """A database name no other test uses; the database is dropped afterwards."""
    readable = re.sub(r"[^A-Za-z0-9_]", "_", request.node.name)[:40]
    name = f"t_{readable}_{uuid.uuid4().hex[:10]}"
    yield name
    client: MongoClient[dict[str, Any]] = MongoClient(
        stack.mongo_url, serverSelectionTimeoutMS=5000
    )
    # Cleanup only: a test that broke the server on purpose must not fail in teardown.
    with contextlib.suppress(PyMongoError):
        client.drop_database(name)
    client.close()
