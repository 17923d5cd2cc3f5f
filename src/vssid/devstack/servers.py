"""Start the three embedded servers (NATS, SecantusDB, SMTP catcher) shared by dev and tests."""

from __future__ import annotations

import os
import shutil
import socket
import sys
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

from vssid.devstack import nats_auth
from vssid.devstack.config import PORT_VARIABLES, StackConfig
from vssid.devstack.probes import mongo_answers, port_bindable
from vssid.devstack.supervisor import ManagedProcess, stop_together
from vssid_shared.nats_access import USERS
from vssid_shared.nats_login import NatsLogin

READY_TIMEOUT = 60.0


@dataclass(frozen=True)
class Stack:
    """Where the servers of a test or dev session answer."""

    nats_url: str
    mongo_url: str
    smtp_url: str
    mail_api_url: str
    sms_url: str
    data_dir: Path
    # NATS user -> password; empty for a server without authentication (containers mode).
    nats_passwords: Mapping[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def from_config(cls, config: StackConfig) -> Stack:
        return cls(
            nats_url=config.nats_url,
            mongo_url=config.mongo_url,
            smtp_url=config.smtp_url,
            mail_api_url=config.mail_api_url,
            sms_url=config.sms_url,
            data_dir=config.data_dir,
            nats_passwords=nats_auth.load_passwords(config.data_dir),
        )

    def nats_login(self, user: str) -> NatsLogin:
        """How `user` connects to this stack's NATS (anonymously if it has no users)."""
        if user not in self.nats_passwords:
            return NatsLogin(self.nats_url)
        return NatsLogin(self.nats_url, user, self.nats_passwords[user])


def nats_env(config: StackConfig, user: str) -> dict[str, str]:
    """The VSSID_NATS_* variables that log a child process in as `user` (and only `user`)."""
    return Stack.from_config(config).nats_login(user).env()


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (the kernel's pick for port 0)."""
    return free_ports(1, host)[0]


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """`count` distinct free ports; all sockets stay bound until all are picked."""
    with ExitStack() as stack:
        ports = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind((host, 0))
            ports.append(int(sock.getsockname()[1]))
        return ports


def config_on_free_ports(data_dir: Path) -> StackConfig:
    """A StackConfig on free ports with its data under `data_dir` (tests and benchmarks)."""
    names = [name for name, _, _ in PORT_VARIABLES]
    ports: dict[str, Any] = dict(zip(names, free_ports(len(names)), strict=True))
    return replace(StackConfig(), data_dir=data_dir, **ports)


def busy_port_problem(config: StackConfig) -> str | None:
    """A message naming the first configured port that cannot be bound, or None if all can."""
    seen: dict[int, str] = {}
    for port, var in config.port_bindings():
        if port in seen:
            return f"port {port} is configured twice ({seen[port]} and {var}); change one of them"
        seen[port] = var
        error = port_bindable(config.host, port)
        if error is not None:
            return (
                f"port {port} on {config.host} ({var}) is not available: {error.strerror}. "
                f"Stop whatever uses it, or set {var} to another port."
            )
    return None


def tool_path(name: str) -> str:
    """An executable installed next to this interpreter (the venv), else found on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} not found next to {sys.executable} nor on PATH")
    return found


def write_nats_config(config: StackConfig, store_dir: Path) -> Path:
    """Users (created on first start, kept after), permissions and JetStream settings on disk.

    Operator users added by `vssid nats operator-user` are kept: every stored user is written.
    """
    passwords = nats_auth.ensure_passwords(config.data_dir, USERS)
    nats_auth.write_users(config.data_dir, passwords)
    path = nats_auth.auth_dir(config.data_dir) / nats_auth.SERVER_CONF
    nats_auth.write_private(
        path,
        nats_auth.server_conf(
            host=config.host,
            port=config.nats_port,
            monitor_port=config.nats_monitor_port,
            store_dir=store_dir,
            sync_interval=config.nats_sync_interval,
        ),
    )
    return path


def nats_process(config: StackConfig, store_dir: Path, **options: Any) -> ManagedProcess:
    """nats-server with JetStream, users and permissions; `options` go to ManagedProcess."""
    conf = write_nats_config(config, store_dir)
    pid_file = nats_auth.auth_dir(config.data_dir) / nats_auth.PID_FILE
    argv = [tool_path("nats-server"), "-c", str(conf), "-P", str(pid_file)]
    return ManagedProcess("nats", argv, **options)


def mongo_process(config: StackConfig, storage: Path, **options: Any) -> ManagedProcess:
    """secantusd-py, always a separate process (GPL); `options` go to ManagedProcess."""
    argv = [
        tool_path("secantusd-py"),
        "--host", config.host,
        "--port", str(config.mongo_port),
        "--storage-path", str(storage),
    ]  # fmt: skip
    if config.mongo_sync:
        argv.append("--sync-on-commit")
    return ManagedProcess("mongo", argv, **options)


def catcher_process(config: StackConfig, data_dir: Path, **options: Any) -> ManagedProcess:
    """The SMTP/SMS catcher with its Mailpit-style API; `options` go to ManagedProcess."""
    argv = [
        sys.executable, "-m", "vssid.catcher",
        "--host", config.host,
        "--smtp-port", str(config.smtp_port),
        "--http-port", str(config.mail_http_port),
        "--data-dir", str(data_dir),
    ]  # fmt: skip
    # Unbuffered so the catcher's log lines are relayed as they happen, not at exit.
    env = options.pop("env", None)
    child_env = {**(os.environ if env is None else env), "PYTHONUNBUFFERED": "1"}
    return ManagedProcess("mail", argv, env=child_env, **options)


def start_servers(
    config: StackConfig,
    *,
    env: Mapping[str, str] | None = None,
    echo: TextIO | bool = True,
    timeout: float = READY_TIMEOUT,
    abort: Callable[[], bool] | None = None,
) -> list[ManagedProcess]:
    """Start NATS, SecantusDB and the catcher under `config.data_dir`; return them once ready."""
    data = config.data_dir
    for sub in ("nats", "mongo", "mail"):
        (data / sub).mkdir(parents=True, exist_ok=True)
    options: dict[str, Any] = {"env": env, "echo": echo, "abort": abort}
    processes = [
        nats_process(config, data / "nats", **options),
        mongo_process(config, data / "mongo", **options),
        catcher_process(config, data / "mail", **options),
    ]
    try:
        # Start all three first: they do not depend on each other, so their start-ups overlap.
        for process in processes:
            process.start()
        nats, mongo, mail = processes
        nats.wait_http(f"{config.nats_monitor_url}/healthz?js-enabled-only=true", timeout)
        mongo.wait_until(lambda: mongo_answers(config.mongo_url), timeout, "did not answer ping")
        mail.wait_http(f"{config.mail_api_url}/health", timeout)
    except BaseException:
        # Whatever went wrong (a crash, a timeout, Ctrl-C), leave no half-started server behind.
        stop_servers(processes)
        raise
    return processes


def stop_servers(processes: list[ManagedProcess], grace: float = 8.0) -> None:
    """Stop catcher, then MongoDB, then NATS: the reverse of their dependency order."""
    for process in reversed(processes):
        stop_together([process], grace)
