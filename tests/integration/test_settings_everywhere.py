"""One set of settings: CLI commands honour the VSSID_* ports `vssid dev` binds, as services do."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from typing import Any
from urllib.parse import urlsplit

import pytest
from pymongo import MongoClient

from tests.conftest import Stack
from vssid_shared.settings import EMBEDDED_MONGO_QUERY

# Everything that could name the database other than by host and port is left out of the env.
URL_VARIABLES = ("VSSID_MONGO_URL", "VSSID_NATS_URL", "VSSID_SMTP_URL", "VSSID_SMS_URL")


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vssid.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def port_only_env(stack: Stack, db: str) -> dict[str, str]:
    mongo = urlsplit(stack.mongo_url)
    if mongo.port is None or mongo.password:
        pytest.skip("needs a MongoDB named by host and port alone")
    base = {k: v for k, v in os.environ.items() if k not in URL_VARIABLES}
    return {
        **base,
        "VSSID_HOST": mongo.hostname or "127.0.0.1",
        "VSSID_MONGO_PORT": str(mongo.port),
        "VSSID_MONGO_DB": db,
    }


def test_operators_add_writes_to_the_configured_mongo_port(stack: Stack) -> None:
    db = f"settings_{uuid.uuid4().hex[:8]}"
    env = port_only_env(stack, db)
    assert env["VSSID_MONGO_PORT"] != "27017"  # else this test would prove nothing
    added = cli(env, "operators", "add", "--agency", "4802", "--name", "Trần Thị Cấu Hình")
    assert added.returncode == 0, added.stdout + added.stderr
    client: MongoClient[dict[str, Any]]
    with MongoClient(stack.mongo_url, serverSelectionTimeoutMS=10_000) as client:
        stored: list[dict[str, Any]] = list(
            client[db]["operators"].find({}, {"name": 1, "agency_code": 1})
        )
    assert [(doc["name"], doc["agency_code"]) for doc in stored] == [("Trần Thị Cấu Hình", "4802")]
    listed = cli(env, "operators", "list")
    assert listed.returncode == 0
    assert "Trần Thị Cấu Hình" in listed.stdout


def test_config_prints_effective_settings_with_secrets_masked(stack: Stack) -> None:
    env = port_only_env(stack, "settings_config")
    secret = "a-secret-that-must-never-be-printed-0123456789"
    env |= {
        "VSSID_SECRET_KEY": secret,
        "VSSID_NATS_URL": "nats://svc:hunter2-password@nats.internal:4222",
        "VSSID_SMS_TOKEN": "sms-token-value",
    }
    shown = cli(env, "config", "--json")
    assert shown.returncode == 0, shown.stderr
    assert secret not in shown.stdout
    assert "hunter2-password" not in shown.stdout
    assert "sms-token-value" not in shown.stdout
    rows = json.loads(shown.stdout)
    port = env["VSSID_MONGO_PORT"]
    assert rows["VSSID_MONGO_PORT"] == {
        "value": int(port),
        "source": "env",
        "used_by": ["intake", "review", "ocr_qr", "notifier", "dev"],
    }
    # The URL every service would connect to, derived from the port as `vssid dev` derives it.
    assert rows["VSSID_MONGO_URL"]["value"].endswith(f":{port}/?{EMBEDDED_MONGO_QUERY}")
    assert rows["VSSID_SECRET_KEY"]["value"] == "********"
    assert rows["VSSID_NATS_URL"]["value"] == "nats://svc:********@nats.internal:4222"
    assert not [var for var, row in rows.items() if "conflict" in row]
    text = cli(env, "config")
    assert text.returncode == 0
    assert secret not in text.stdout
    lines = text.stdout.splitlines()
    assert any(line.startswith("VSSID_MONGO_PORT ") and f"= {port} " in line for line in lines)
