"""The services `vssid dev` can run, how each starts and how each says it is ready."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, replace

from vssid.devstack.config import StackConfig


@dataclass(frozen=True)
class ServiceSpec:
    """A long-running service: how to start it and how to tell it is ready."""

    name: str
    argv: tuple[str, ...]
    ready_url: str | None = None  # None: ready once it logs a JSON line with "event": "ready"
    # The NATS user it logs in as: its service's, also for a second instance ("ocr_qr-2").
    nats_user: str = ""

    @property
    def user(self) -> str:
        return self.nats_user or self.name


def default_services(config: StackConfig) -> dict[str, ServiceSpec]:
    """The four services of the system, keyed by the names VSSID_DEV_SERVICES uses."""
    python = sys.executable
    return {
        "intake": ServiceSpec(
            "intake", (python, "-m", "vssid_intake"), f"{config.intake_url}/ready"
        ),
        "review": ServiceSpec(
            "review", (python, "-m", "vssid_review"), f"{config.review_url}/ready"
        ),
        "ocr_qr": ServiceSpec("ocr_qr", (python, "-m", "vssid_ocr_qr")),
        "notifier": ServiceSpec("notifier", (python, "-m", "vssid_notifier")),
    }


def resolve_services(config: StackConfig) -> list[ServiceSpec]:
    """The specs named by `config.services`, in that order; ValueError for unknown names."""
    known = default_services(config)
    unknown = [name for name in config.services if name not in known]
    if unknown:
        raise ValueError(
            f"unknown service(s) {unknown} in VSSID_DEV_SERVICES; known: {list(known)}"
        )
    chosen = [known[name] for name in config.services]
    extra = [
        replace(spec, name=f"{spec.name}-{n}", nats_user=spec.name)
        for spec in chosen
        for n in range(2, config.instances.get(spec.name, 1) + 1)
    ]
    return chosen + extra


def is_ready_event(line: str) -> bool:
    """Whether an output line is a JSON log object with `"event": "ready"`."""
    text = line.strip()
    if not text.startswith("{"):
        return False
    try:
        record = json.loads(text)
    except ValueError:
        return False
    return isinstance(record, dict) and record.get("event") == "ready"


def ready_table(config: StackConfig, services: list[ServiceSpec]) -> str:
    """The banner `vssid dev` prints once everything answers: where each part listens."""
    started = {spec.name for spec in services}

    def note(name: str) -> str:
        return "" if name in started else "   (not started)"

    rows = [
        ("intake", config.intake_url + note("intake")),
        ("intake docs", f"{config.intake_url}/docs" + note("intake")),
        ("review", config.review_url + note("review")),
        ("mail UI / API", config.mail_api_url),
        ("SMS API", config.sms_url),
        ("NATS", config.nats_url),
        # Each service logs in as its own user; the tools' user is `ops` (README).
        ("NATS users", str(config.data_dir / "nats-auth" / "passwords.json")),
        ("NATS monitor", config.nats_monitor_url),
        ("MongoDB", config.mongo_url),
        # Prometheus: intake and review at /metrics on their own port, each worker on its own.
        ("ocr_qr metrics", config.metrics_url("ocr_qr") + note("ocr_qr")),
        ("notifier metrics", config.metrics_url("notifier") + note("notifier")),
    ]
    lines = [f"vssid dev is ready (data in {config.data_dir}):"]
    lines += [f"  {label:<14} {where}" for label, where in rows]
    lines.append("Press Ctrl-C to stop.")
    return "\n".join(lines)
