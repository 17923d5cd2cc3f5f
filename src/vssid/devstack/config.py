"""Where the embedded dev stack listens, read from VSSID_* environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from vssid_shared.settings import EMBEDDED_MONGO_QUERY

# Workers first: once intake and review answer /ready, a decode or a submit finds its worker.
DEFAULT_SERVICES: tuple[str, ...] = ("ocr_qr", "notifier", "intake", "review")

# (field name, environment variable, default) for every port the stack binds.
PORT_VARIABLES: tuple[tuple[str, str, int], ...] = (
    ("nats_port", "VSSID_NATS_PORT", 4222),
    ("nats_monitor_port", "VSSID_NATS_MONITOR_PORT", 8222),
    ("mongo_port", "VSSID_MONGO_PORT", 27017),
    ("smtp_port", "VSSID_SMTP_PORT", 1025),
    ("mail_http_port", "VSSID_MAIL_HTTP_PORT", 8025),
    ("intake_port", "VSSID_INTAKE_PORT", 8080),
    ("review_port", "VSSID_REVIEW_PORT", 8081),
    # Each worker serves its metrics on its own port (it gets it as VSSID_METRICS_PORT).
    ("ocr_qr_metrics_port", "VSSID_OCR_QR_METRICS_PORT", 9101),
    ("notifier_metrics_port", "VSSID_NOTIFIER_METRICS_PORT", 9102),
)

# Which port variable becomes VSSID_METRICS_PORT of which worker process.
WORKER_METRICS_PORTS: dict[str, str] = {
    "ocr_qr": "ocr_qr_metrics_port",
    "notifier": "notifier_metrics_port",
}

_FALSE_WORDS = {"0", "false", "no", "off"}

# Workers `vssid dev` may run several of, all on the same durable consumers (they split the
# work): service -> the variable with its instance count.
INSTANCE_VARIABLES: tuple[tuple[str, str], ...] = (
    ("ocr_qr", "VSSID_OCR_QR_WORKERS"),
    ("notifier", "VSSID_NOTIFIER_WORKERS"),
)


@dataclass(frozen=True)
class StackConfig:
    """Host, ports and data directory of the dev stack, plus which steps `vssid dev` runs."""

    host: str = "127.0.0.1"
    nats_port: int = 4222
    nats_monitor_port: int = 8222
    mongo_port: int = 27017
    smtp_port: int = 1025
    mail_http_port: int = 8025
    intake_port: int = 8080
    review_port: int = 8081
    ocr_qr_metrics_port: int = 9101
    notifier_metrics_port: int = 9102
    data_dir: Path = Path(".data")
    services: tuple[str, ...] = DEFAULT_SERVICES
    bootstrap: bool = True
    seed: bool = True
    # Fsync MongoDB's log on every commit: SecantusDB otherwise loses acknowledged writes when
    # SIGKILLed (measured: 200 inserts, kill, 183-198 left), like NATS's `sync_interval: always`.
    mongo_sync: bool = True
    # JetStream fsync policy: "always" (before every ack; README has the cost) or a period.
    nats_sync_interval: str = "always"
    # Instances per worker service (INSTANCE_VARIABLES); a service not named runs once.
    instances: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> StackConfig:
        """Build from `env` (default: os.environ); unset variables keep their defaults."""
        source = os.environ if env is None else env
        ports = {field: _port(source, var, default) for field, var, default in PORT_VARIABLES}
        services = DEFAULT_SERVICES
        if "VSSID_DEV_SERVICES" in source:
            raw = source["VSSID_DEV_SERVICES"].replace(",", " ").split()
            services = tuple(raw)
        return cls(
            host=source.get("VSSID_HOST", "127.0.0.1"),
            data_dir=Path(source.get("VSSID_DATA_DIR", ".data")),
            services=services,
            bootstrap=_flag(source, "VSSID_DEV_BOOTSTRAP"),
            seed=_flag(source, "VSSID_DEV_SEED"),
            mongo_sync=_flag(source, "VSSID_MONGO_SYNC_ON_COMMIT"),
            nats_sync_interval=source.get("VSSID_NATS_SYNC_INTERVAL", "").strip() or "always",
            instances={name: _count(source, var) for name, var in INSTANCE_VARIABLES},
            **ports,
        )

    @property
    def nats_url(self) -> str:
        return f"nats://{self.host}:{self.nats_port}"

    @property
    def nats_monitor_url(self) -> str:
        return f"http://{self.host}:{self.nats_monitor_port}"

    @property
    def mongo_url(self) -> str:
        # Direct (secantusd-py advertises a one-member replica set), no retryable writes.
        return f"mongodb://{self.host}:{self.mongo_port}/?{EMBEDDED_MONGO_QUERY}"

    @property
    def smtp_url(self) -> str:
        return f"smtp://{self.host}:{self.smtp_port}"

    @property
    def mail_api_url(self) -> str:
        return f"http://{self.host}:{self.mail_http_port}"

    @property
    def sms_url(self) -> str:
        return f"{self.mail_api_url}/api/v1/sms"

    @property
    def intake_url(self) -> str:
        return f"http://{self.host}:{self.intake_port}"

    @property
    def review_url(self) -> str:
        return f"http://{self.host}:{self.review_port}"

    def metrics_url(self, service: str) -> str:
        """Where `service` answers `GET /metrics`."""
        if service in WORKER_METRICS_PORTS:
            return f"http://{self.host}:{getattr(self, WORKER_METRICS_PORTS[service])}/metrics"
        return f"{self.intake_url if service == 'intake' else self.review_url}/metrics"

    def service_env_for(self, service: str) -> dict[str, str]:
        """What one service process gets on top of `service_env()`: a worker its metrics port."""
        field = WORKER_METRICS_PORTS.get(service)
        return {"VSSID_METRICS_PORT": str(getattr(self, field))} if field else {}

    def port_bindings(self) -> list[tuple[int, str]]:
        """Every port the stack binds, with the variable that overrides it."""
        return [(int(getattr(self, field)), var) for field, var, _ in PORT_VARIABLES]

    def service_env(self) -> dict[str, str]:
        """The VSSID_* variables every service process gets (on top of the caller's env)."""
        env = {var: str(getattr(self, field)) for field, var, _ in PORT_VARIABLES}
        env.update(
            VSSID_HOST=self.host,
            VSSID_DATA_DIR=str(self.data_dir),
            VSSID_NATS_URL=self.nats_url,
            VSSID_MONGO_URL=self.mongo_url,
            VSSID_SMTP_URL=self.smtp_url,
            VSSID_SMS_URL=self.sms_url,
            VSSID_MAIL_API_URL=self.mail_api_url,
            VSSID_ENV="dev",
            PYTHONUNBUFFERED="1",
        )
        return env


def _port(env: Mapping[str, str], var: str, default: int) -> int:
    raw = env.get(var, "").strip()
    if not raw:
        return default
    try:
        port = int(raw)
    except ValueError:
        raise ValueError(f"{var}={raw!r} is not a port number") from None
    if not 0 < port < 65536:
        raise ValueError(f"{var}={port} is outside 1-65535")
    return port


def _count(env: Mapping[str, str], var: str) -> int:
    raw = env.get(var, "").strip() or "1"
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 8:
        raise ValueError(f"{var}={raw!r} is not a number of instances from 1 to 8")
    return int(raw)


def _flag(env: Mapping[str, str], var: str) -> bool:
    return env.get(var, "1").strip().lower() not in _FALSE_WORDS


__all__ = ["DEFAULT_SERVICES", "PORT_VARIABLES", "WORKER_METRICS_PORTS", "StackConfig"]
