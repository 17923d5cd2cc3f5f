"""The whole system as processes on the `stack` servers: bootstrap, then the four services."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest

from vssid.devstack.catalog import is_ready_event
from vssid.devstack.servers import Stack, free_ports
from vssid.devstack.supervisor import ManagedProcess
from vssid_shared.nats_login import NatsLogin

SERVICES = ("intake", "review", "ocr_qr", "notifier")
READY_TIMEOUT = 90.0


@dataclass
class System:
    env: dict[str, str]
    intake_url: str
    review_url: str
    mail_api_url: str
    stack: Stack
    processes: dict[str, ManagedProcess] = field(default_factory=dict)
    # Variables for one service only (e.g. each worker's own VSSID_METRICS_PORT).
    service_env: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def ops(self) -> NatsLogin:
        """The tools' NATS login (read the streams, replay): what the tests observe with."""
        return self.stack.nats_login("ops")

    def nats_login(self, user: str) -> NatsLogin:
        return self.stack.nats_login(user)

    def start(self, name: str) -> ManagedProcess:
        # Each service gets only its own NATS user, as `vssid dev` hands them out.
        env = {**self.env, **self.stack.nats_login(name).env(), **self.service_env.get(name, {})}
        process = ManagedProcess(name, [sys.executable, "-m", f"vssid_{name}"], env=env, echo=False)
        self.processes[name] = process.start()
        if name in ("intake", "review"):
            url = self.intake_url if name == "intake" else self.review_url
            process.wait_http(f"{url}/ready", READY_TIMEOUT)
        else:
            process.wait_log(is_ready_event, READY_TIMEOUT)
        return process

    def cli(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "vssid.cli", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def stop(self) -> None:
        for process in reversed(list(self.processes.values())):
            process.stop(10.0)


@contextmanager
def launch(
    stack: Stack,
    *,
    smtp_url: str | None = None,
    mail_api_url: str | None = None,
    extra_env: dict[str, str] | None = None,
    service_env: dict[str, dict[str, str]] | None = None,
) -> Iterator[System]:
    """Bootstrap the streams, then start the four services on `stack` (mail may be overridden)."""
    intake_port, review_port = free_ports(2)
    mail_api = mail_api_url or stack.mail_api_url
    env = {
        **os.environ,
        "VSSID_ENV": "test",
        # The CLI tools' user; every service process replaces it with its own (System.start).
        **stack.nats_login("ops").env(),
        "VSSID_MONGO_URL": stack.mongo_url,
        "VSSID_MONGO_DB": f"e2e_{uuid.uuid4().hex[:8]}",
        "VSSID_SMTP_URL": smtp_url or stack.smtp_url,
        "VSSID_SMS_URL": f"{mail_api}/api/v1/sms",
        "VSSID_INTAKE_PORT": str(intake_port),
        "VSSID_REVIEW_PORT": str(review_port),
        "PYTHONUNBUFFERED": "1",
        # Redelivery after a killed worker comes after ack_wait: keep the fault tests quick.
        "VSSID_ACK_WAIT_SECONDS": "10",
        "VSSID_AGENCY_REFRESH_SECONDS": "1",
        # An autofill waits this long for an ocr_qr worker: room for a restart on a busy CI box.
        "VSSID_QR_DECODE_TIMEOUT_SECONDS": "60",
        **(extra_env or {}),
    }
    subprocess.run(
        [sys.executable, "-m", "vssid_shared.bootstrap"],
        env={**env, **stack.nats_login("bootstrap").env()},
        check=True,
        capture_output=True,
        timeout=60,
    )
    system = System(
        env,
        f"http://127.0.0.1:{intake_port}",
        f"http://127.0.0.1:{review_port}",
        mail_api,
        stack,
        service_env=service_env or {},
    )
    try:
        for name in SERVICES:
            system.start(name)
        yield system
    finally:
        system.stop()


@pytest.fixture(scope="module")
def system(stack: Stack) -> Iterator[System]:
    with launch(stack) as running:
        yield running
