"""`vssid dev` as a process on free ports, for the tests that drive the runner itself."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from typing import TextIO

from vssid.devstack import ManagedProcess, free_ports, nats_auth
from vssid.devstack.config import PORT_VARIABLES
from vssid.devstack.probes import port_open
from vssid_shared.nats_login import NatsLogin

HOST = "127.0.0.1"
READY_TIMEOUT = 120.0
STOP_DEADLINE = 30.0


class DevRun:
    """One `vssid dev`-style runner process on free ports with a given data directory."""

    def __init__(
        self,
        data_dir: Path,
        argv: list[str] | None = None,
        ports: dict[str, int] | None = None,
        services: str = "",
        extra_env: dict[str, str] | None = None,
        echo: TextIO | bool = False,
    ) -> None:
        """`extra_env` goes to every child; `echo` relays the run's output (e.g. to a file)."""
        variables = [var for _, var, _ in PORT_VARIABLES]
        self.ports = ports or dict(zip(variables, free_ports(len(variables)), strict=True))
        self.env = {**os.environ, **{var: str(port) for var, port in self.ports.items()}}
        self.env.update(
            VSSID_HOST=HOST,
            VSSID_DATA_DIR=str(data_dir),
            VSSID_DEV_SERVICES=services,  # none by default: most runner tests are about the stack
            # The stream bootstrap runs when it exists, as it will under `make dev`.
            VSSID_DEV_BOOTSTRAP="1" if _module_exists("vssid_shared.bootstrap") else "0",
            PYTHONUNBUFFERED="1",
        )
        self.env.update(extra_env or {})
        self.data_dir = data_dir
        command = argv or ["-m", "vssid.devstack"]
        self.process = ManagedProcess("dev", [sys.executable, *command], env=self.env, echo=echo)

    def url(self, scheme: str, var: str) -> str:
        return f"{scheme}://{HOST}:{self.ports[var]}"

    def nats_login(self, user: str) -> NatsLogin:
        """`user`'s login to this run's NATS, from the passwords the run created."""
        password = nats_auth.load_passwords(self.data_dir)[user]
        return NatsLogin(self.url("nats", "VSSID_NATS_PORT"), user, password)

    def output(self) -> str:
        return "\n".join(self.process.tail())

    def start_until_ready(self) -> None:
        self.process.start()
        self.process.wait_log(lambda line: "vssid dev is ready" in line, READY_TIMEOUT)
        # The table is printed in one write; wait for its last line too.
        self.process.wait_log(lambda line: "Press Ctrl-C to stop" in line, 5.0)

    def stop_with(self, sig: int) -> int | None:
        self.process.signal(sig)
        code = self.process.wait(STOP_DEADLINE)
        self.process.finish()
        return code

    def open_ports(self) -> list[str]:
        return [var for var, port in self.ports.items() if port_open(HOST, port)]


def _module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False
