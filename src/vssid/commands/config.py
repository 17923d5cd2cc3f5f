"""`vssid config`: the effective VSSID_* settings, as every service and command would read them.

One set of names: the services' pydantic settings and `vssid dev`'s stack config read the same
variables with the same defaults (URLs come from host and ports when not set), so what this
prints is what each process gets. Secrets are masked, passwords in URLs too.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Mapping
from dataclasses import fields
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pydantic import SecretStr, ValidationError
from pydantic_settings import BaseSettings

from vssid.devstack.config import PORT_VARIABLES, StackConfig
from vssid_intake.settings import IntakeSettings
from vssid_notifier.settings import NotifierSettings
from vssid_ocr_qr.settings import OcrQrSettings
from vssid_review.settings import ReviewSettings

PREFIX = "VSSID_"
MASK = "********"
SERVICE_SETTINGS: dict[str, type[BaseSettings]] = {
    "intake": IntakeSettings,
    "review": ReviewSettings,
    "ocr_qr": OcrQrSettings,
    "notifier": NotifierSettings,
}
# Plain-string settings that are secrets all the same.
SECRET_NAMES = ("password", "token", "secret")
# What `vssid dev` alone reads (the stack's servers, not a service's setting).
DEV_ONLY = {"data_dir", "services", "bootstrap", "seed", "mongo_sync", "nats_sync_interval"}
DEV_VARIABLES = {
    "services": "VSSID_DEV_SERVICES",
    "bootstrap": "VSSID_DEV_BOOTSTRAP",
    "seed": "VSSID_DEV_SEED",
    "mongo_sync": "VSSID_MONGO_SYNC_ON_COMMIT",
}


def add_parser(sub: Any) -> None:
    cmd = sub.add_parser("config", help="print the effective VSSID_* settings (secrets masked)")
    cmd.add_argument("--json", action="store_true", help="one JSON object instead of lines")
    cmd.set_defaults(handler=show_config)


def mask_url(url: str) -> str:
    """The URL with any password replaced by the mask."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.password is None:
        return url
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    netloc = f"{parts.username}:{MASK}@{host}{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def shown(name: str, value: Any) -> Any:
    if isinstance(value, SecretStr):
        return MASK if value.get_secret_value() else ""
    if any(word in name for word in SECRET_NAMES) and not name.endswith("_file") and value:
        return MASK
    if isinstance(value, str) and "://" in value:
        return mask_url(value)
    if isinstance(value, tuple):
        return ",".join(map(str, value))
    return value if value is None or isinstance(value, bool | int | float) else str(value)


def effective(env: Mapping[str, str] | None = None) -> dict[str, dict[str, Any]]:
    """VSSID_NAME -> value, source (env or default) and the processes that read it."""
    source = os.environ if env is None else env
    rows: dict[str, dict[str, Any]] = {}
    for service, cls in SERVICE_SETTINGS.items():
        settings = cls()
        for name in type(settings).model_fields:
            var = PREFIX + name.upper()
            row = rows.setdefault(
                var,
                {
                    "value": shown(name, getattr(settings, name)),
                    "source": "env" if var in source else "default",
                    "used_by": [],
                },
            )
            row["used_by"].append(service)
    stack = StackConfig.from_env(source)
    port_vars = {field: var for field, var, _ in PORT_VARIABLES}
    for item in fields(stack):
        var = port_vars.get(item.name) or DEV_VARIABLES.get(item.name) or PREFIX + item.name.upper()
        value = shown(item.name, getattr(stack, item.name))
        row = rows.setdefault(
            var, {"value": value, "source": "env" if var in source else "default", "used_by": []}
        )
        row["used_by"].append("dev")
        if item.name not in DEV_ONLY and row["value"] != value:
            # Cannot happen while both read the same names; says so loudly if it ever does.
            row["conflict"] = f"vssid dev uses {value}"
    return dict(sorted(rows.items()))


async def show_config(args: argparse.Namespace) -> int:
    try:
        rows = effective()
    except (ValidationError, ValueError) as exc:
        print(f"Cấu hình không hợp lệ (invalid settings): {exc}")
        return 1
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    width = max(len(var) for var in rows)
    for var, row in rows.items():
        value = "" if row["value"] is None else row["value"]
        used = ",".join(row["used_by"])
        note = f"  !! {row['conflict']}" if "conflict" in row else ""
        print(f"{var:<{width}} = {value}    # {row['source']}; {used}{note}")
    return 0
