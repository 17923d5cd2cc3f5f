"""The embedded stack: the `stack` fixture's servers, and `vssid dev` started as a process."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import nats
import nats.errors
import pytest
from pymongo import AsyncMongoClient

from tests.support.devrun import HOST, STOP_DEADLINE, DevRun
from vssid.devstack import ManagedProcess, Stack
from vssid.devstack.catalog import is_ready_event
from vssid.devstack.nats_auth import PASSWORDS_FILE, auth_dir
from vssid_shared.settings import EMBEDDED_MONGO_QUERY
from vssid_shared.subjects import STREAM

STUBS = Path(__file__).with_name("stubs")
PROBE_SUBJECT = "declarations.0000.submitted"


async def test_stack_nats_has_jetstream(stack: Stack) -> None:
    client = await stack.nats_login("bootstrap").connect()
    try:
        info = await client.jetstream().account_info()
        assert info.limits is not None
    finally:
        await client.close()


async def test_stack_mongo_stores_and_finds(stack: Stack, mongo_db_name: str) -> None:
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(stack.mongo_url)
    try:
        assert (await client.admin.command("ping"))["ok"] == 1
        collection = client[mongo_db_name]["probe"]
        await collection.insert_one({"_id": "a", "name": "Nguyễn Văn A"})
        assert await collection.find_one({"_id": "a"}) == {"_id": "a", "name": "Nguyễn Văn A"}
    finally:
        await client.close()


async def test_stack_mail_catcher_answers(stack: Stack) -> None:
    async with httpx.AsyncClient() as http:
        assert (await http.get(f"{stack.mail_api_url}/health")).status_code == 200
        assert (await http.get(f"{stack.mail_api_url}/api/v1/messages")).status_code == 200


def test_managed_process_kill_restart_and_stop(tmp_path: Path) -> None:
    trigger = tmp_path / "never"
    argv = [sys.executable, str(STUBS / "stub_worker.py"), str(trigger)]
    worker = ManagedProcess("stub", argv, echo=False)
    with worker:
        worker.wait_log(is_ready_event, 30.0)
        first_pid = worker.pid
        worker.kill()
        assert worker.wait(10.0) == -signal.SIGKILL
        worker.restart()
        # A new life: the previous "ready" line must not satisfy this wait by itself.
        worker.wait_log(lambda line: "starting" in line, 30.0)
        worker.wait_log(is_ready_event, 30.0)
        assert worker.pid != first_pid
        assert worker.running
    assert worker.returncode == -signal.SIGTERM
    assert worker.tail(2) == worker.tail()[-2:]


PARENT = """
import sys, time
from vssid.devstack import ManagedProcess
child = ManagedProcess("child", [sys.executable, "-c", "import time; time.sleep(120)"], echo=False)
print(child.start().pid, flush=True)
time.sleep(120)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A killed child stays a zombie until init reaps it: that no longer holds anything.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(") ")[-1][:1] != "Z"


@pytest.mark.skipif(shutil.which("setpriv") is None, reason="needs util-linux setpriv")
def test_children_die_with_a_killed_supervisor() -> None:
    """SIGKILL of the supervising process (no chance to clean up) still ends its children."""
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child_pid = int(parent.stdout.readline())
    assert _alive(child_pid)
    parent.kill()
    parent.wait(10)
    deadline = time.monotonic() + 10
    while _alive(child_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child_pid)


@pytest.fixture
def dev_runs() -> Iterator[list[DevRun]]:
    runs: list[DevRun] = []
    yield runs
    for run in runs:  # a failed test must not leave a runner (and its servers) behind
        if run.process.running:
            run.stop_with(signal.SIGTERM)
        run.process.kill()


def test_dev_runner_serves_stops_cleanly_and_keeps_data(
    tmp_path: Path, dev_runs: list[DevRun]
) -> None:
    first = DevRun(tmp_path / "data")
    dev_runs.append(first)
    first.start_until_ready()
    output = first.output()
    for var, scheme in (("VSSID_NATS_PORT", "nats"), ("VSSID_MAIL_HTTP_PORT", "http")):
        assert first.url(scheme, var) in output
    assert f"mongodb://{HOST}:{first.ports['VSSID_MONGO_PORT']}" in output
    assert httpx.get(first.url("http", "VSSID_MAIL_HTTP_PORT") + "/health").status_code == 200
    asyncio.run(_write_probe(first))
    asyncio.run(_anonymous_refused(first))
    passwords = auth_dir(tmp_path / "data") / PASSWORDS_FILE
    assert passwords.stat().st_mode & 0o777 == 0o600
    created = passwords.read_text()

    assert first.stop_with(signal.SIGINT) == 0, first.output()
    assert first.open_ports() == [], first.output()

    second = DevRun(tmp_path / "data", ports=first.ports)  # same ports: they must be free again
    dev_runs.append(second)
    second.start_until_ready()
    assert asyncio.run(_read_probe(second)) == (1, 1)
    assert passwords.read_text() == created  # the same users and passwords after a restart
    assert second.stop_with(signal.SIGTERM) == 0, second.output()
    assert second.open_ports() == [], second.output()


def test_dev_runner_stops_everything_on_a_crash_loop(
    tmp_path: Path, dev_runs: list[DevRun]
) -> None:
    """The trigger stays: every restart of the stub crashes again, and the fifth crash within
    a minute stops the stack (a single crash is restarted: test_devstack_restarts.py)."""
    trigger = tmp_path / "exit-now"
    run = DevRun(tmp_path / "data", [str(STUBS / "run_stub_stack.py"), str(trigger)])
    dev_runs.append(run)
    run.start_until_ready()
    trigger.touch()
    code = run.process.wait(STOP_DEADLINE)
    run.process.finish()
    output = run.output()
    assert code == 1, output
    assert "stub exited unexpectedly (exit code 3)" in output
    assert "trigger seen, exiting with 3" in output
    assert output.count("vssid dev: restarting stub in") == 4, output
    assert "stub crashed 5 times within 60 s, a crash loop: stopping everything" in output
    assert run.open_ports() == [], output


def test_dev_runner_names_a_busy_port(tmp_path: Path, dev_runs: list[DevRun]) -> None:
    run = DevRun(tmp_path / "data")
    dev_runs.append(run)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind((HOST, run.ports["VSSID_MONGO_PORT"]))
        taken.listen()
        run.process.start()
        code = run.process.wait(STOP_DEADLINE)
    run.process.finish()
    assert code == 2, run.output()
    assert f"port {run.ports['VSSID_MONGO_PORT']}" in run.output()
    assert "VSSID_MONGO_PORT" in run.output()


async def _write_probe(run: DevRun) -> None:
    # As intake, the one user that may publish a `submitted` event (bootstrap made the stream).
    client = await run.nats_login("intake").connect()
    try:
        await client.jetstream().publish(PROBE_SUBJECT, b"kept across restarts")
    finally:
        await client.close()
    mongo: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(_mongo_url(run))
    try:
        await mongo["devstack_test"]["probe"].insert_one({"_id": "kept", "run": 1})
    finally:
        await mongo.close()


async def _anonymous_refused(run: DevRun) -> None:
    async def quiet(error: Exception) -> None:
        """The refusal is asserted on the exception; nats-py need not print it too."""

    with pytest.raises(nats.errors.Error, match="Authorization Violation"):
        await nats.connect(
            run.url("nats", "VSSID_NATS_PORT"), allow_reconnect=False, error_cb=quiet
        )


async def _read_probe(run: DevRun) -> tuple[int, object]:
    client = await run.nats_login("bootstrap").connect()
    try:
        info = await client.jetstream().stream_info(STREAM)
        messages = info.state.messages
    finally:
        await client.close()
    mongo: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(_mongo_url(run))
    try:
        found = await mongo["devstack_test"]["probe"].find_one({"_id": "kept"})
    finally:
        await mongo.close()
    return messages, (found or {}).get("run")


def _mongo_url(run: DevRun) -> str:
    return run.url("mongodb", "VSSID_MONGO_PORT") + "/?" + EMBEDDED_MONGO_QUERY
