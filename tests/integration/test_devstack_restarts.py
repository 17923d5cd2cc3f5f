"""`vssid dev` keeps running when a service crashes, and ocr_qr's pool dies with ocr_qr."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import applicant as a
from tests.support.devrun import STOP_DEADLINE, DevRun
from vssid.devstack import ManagedProcess, Stack
from vssid.devstack.catalog import is_ready_event

READY_AGAIN_TIMEOUT = 120.0


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a live process, None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # The command name is in parentheses and may hold spaces: split after its closing one.
    fields = stat[stat.rindex(")") + 2 :].split()
    return fields[0], int(fields[1])


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except (FileNotFoundError, ProcessLookupError):
        return ""


def children(pid: int, marker: str) -> list[int]:
    """Live children of `pid` whose command line contains `marker`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            state, parent = stat
            if parent == pid and state != "Z" and marker in _cmdline(int(entry.name)):
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[0] != "Z"  # a zombie has died; only its reaping is left


@pytest.fixture
def dev_run(tmp_path: Path) -> Iterator[DevRun]:
    run = DevRun(tmp_path / "data", services="intake")
    try:
        yield run
    finally:
        run.stop_with(signal.SIGTERM)


def test_a_killed_service_comes_back_and_the_stack_keeps_running(dev_run: DevRun) -> None:
    dev_run.start_until_ready()
    dev_pid = dev_run.process.pid
    assert dev_pid is not None
    [intake] = children(dev_pid, "vssid_intake")
    ready_url = dev_run.url("http", "VSSID_INTAKE_PORT") + "/ready"
    assert httpx.get(ready_url, timeout=10).status_code == 200

    os.kill(intake, signal.SIGKILL)
    dev_run.process.wait_log(lambda line: "vssid dev: intake is ready again" in line, 120)

    output = dev_run.output()
    assert "intake exited unexpectedly (exit code -9)" in output
    assert "vssid dev: restarting intake in 0.5 s (crash 1 of 5 allowed within 60 s)" in output
    assert dev_run.process.running, output
    [again] = children(dev_pid, "vssid_intake")
    assert again != intake
    assert httpx.get(ready_url, timeout=10).status_code == 200
    # The servers were never touched: the stack as a whole stayed up.
    assert "restarted nats" not in output
    assert "restarted mongo" not in output


@pytest.fixture
def ocr_qr(stack: Stack) -> Iterator[ManagedProcess]:
    env = {
        **os.environ,
        "VSSID_ENV": "test",
        "VSSID_MONGO_URL": stack.mongo_url,
        "VSSID_MONGO_DB": f"pool_{uuid.uuid4().hex[:8]}",
        "VSSID_SCAN_WORKERS": "1",  # and one decode process: two pool processes in all
        "VSSID_DECODE_WORKERS": "1",
        "PYTHONUNBUFFERED": "1",
    }
    subprocess.run(
        [sys.executable, "-m", "vssid_shared.bootstrap"],
        env={**env, **stack.nats_login("bootstrap").env()},
        check=True,
        capture_output=True,
        timeout=60,
    )
    env.update(stack.nats_login("ocr_qr").env())
    process = ManagedProcess("ocr_qr", [sys.executable, "-m", "vssid_ocr_qr"], env=env, echo=False)
    try:
        yield process.start()
    finally:
        process.stop(STOP_DEADLINE)


def test_ocr_qr_pool_processes_die_with_their_parent(ocr_qr: ManagedProcess) -> None:
    ocr_qr.wait_log(is_ready_event, READY_AGAIN_TIMEOUT)
    assert ocr_qr.pid is not None
    pool = a.eventually(lambda: children(ocr_qr.pid or 0, "spawn_main"), 30)
    assert len(pool) == 2, pool

    os.kill(ocr_qr.pid, signal.SIGKILL)  # the main process only, not its process group
    ocr_qr.wait(STOP_DEADLINE)

    a.eventually(lambda: not any(alive(pid) for pid in pool), 30)


def test_a_killed_server_comes_back(tmp_path: Path) -> None:
    """The servers are children like the services: a SIGKILLed MongoDB is restarted too."""
    run = DevRun(tmp_path / "data")
    try:
        run.start_until_ready()
        assert run.process.pid is not None
        [mongo] = children(run.process.pid, "secantusd")
        os.kill(mongo, signal.SIGKILL)
        run.process.wait_log(lambda line: "vssid dev: mongo is ready again" in line, 120)
        assert run.process.running, run.output()
        assert "vssid dev: restarting mongo in 0.5 s" in run.output()
    finally:
        run.stop_with(signal.SIGTERM)
