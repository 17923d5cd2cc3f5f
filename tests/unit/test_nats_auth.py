"""The dev stack's NATS users on disk: private files, kept passwords, hashes the server checks."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import bcrypt
import pytest
from pydantic import SecretStr

from vssid.devstack import nats_auth
from vssid.devstack.servers import tool_path
from vssid_shared.nats_access import USERS
from vssid_shared.nats_login import NatsLogin
from vssid_shared.settings import CommonSettings


def test_passwords_are_random_private_and_kept(tmp_path: Path) -> None:
    first = nats_auth.ensure_passwords(tmp_path, USERS)
    assert set(first) == set(USERS)
    assert len(set(first.values())) == len(USERS)
    path = nats_auth.auth_dir(tmp_path) / nats_auth.PASSWORDS_FILE
    assert path.stat().st_mode & 0o777 == 0o600
    assert nats_auth.auth_dir(tmp_path).stat().st_mode & 0o777 == 0o700
    again = nats_auth.ensure_passwords(tmp_path, [*USERS, "operator_4802"])
    assert {user: again[user] for user in USERS} == first


def test_the_server_config_holds_hashes_of_the_passwords_only(tmp_path: Path) -> None:
    passwords = nats_auth.ensure_passwords(tmp_path, USERS)
    text = nats_auth.users_conf(passwords)
    users = json.loads(text.removeprefix("authorization "))["users"]
    for entry in users:
        assert passwords[entry["user"]] not in text
        assert bcrypt.checkpw(passwords[entry["user"]].encode(), entry["password"].encode())
    operator = nats_auth.users_conf({"operator_4802": "x"})
    assert '"deny": [\n' in operator  # publishes nothing: an explicit deny, not an empty allow


def test_nats_server_accepts_the_generated_config(tmp_path: Path) -> None:
    nats_auth.write_users(tmp_path, nats_auth.ensure_passwords(tmp_path, USERS))
    conf = nats_auth.auth_dir(tmp_path) / nats_auth.SERVER_CONF
    conf.write_text(
        nats_auth.server_conf(
            host="127.0.0.1",
            port=4222,
            monitor_port=8222,
            store_dir=tmp_path / "store",
            sync_interval="always",
        )
    )
    checked = subprocess.run(
        [tool_path("nats-server"), "-c", str(conf), "-t"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


# A secret the production check accepts (random, 48 bytes of entropy), fixed for repeatability.
PROD_SECRET = "q7Vx2LmR9tYpK4cNwE8sJ1dHfG6uZa3BnXo5iTrW0yQeMkPl"


def test_production_refuses_to_connect_without_a_nats_user() -> None:
    with pytest.raises(ValueError, match="VSSID_NATS_USER"):
        NatsLogin.from_settings(CommonSettings(env="prod", secret_key=SecretStr(PROD_SECRET)))
    login = NatsLogin.from_settings(
        CommonSettings(
            env="prod", secret_key=SecretStr(PROD_SECRET), nats_user="intake", nats_password="pw"
        )
    )
    assert login.options()["inbox_prefix"] == "_INBOX_intake"
    assert "pw" not in repr(login)
