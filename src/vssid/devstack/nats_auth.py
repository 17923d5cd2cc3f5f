"""NATS users of the dev stack and tests: random passwords kept under the data dir, and the
nats-server configuration (bcrypt hashes, permissions from vssid_shared.nats_access) built
from them."""

from __future__ import annotations

import json
import os
import secrets
import signal
from collections.abc import Iterable, Mapping
from pathlib import Path

import bcrypt

from vssid_shared.nats_access import USERS, Permissions, permissions_for

AUTH_DIR = "nats-auth"
PASSWORDS_FILE = "passwords.json"  # plain passwords for the clients: mode 0600, never logged
USERS_CONF = "users.conf"  # bcrypt hashes and permissions, included by the server config
SERVER_CONF = "server.conf"
PID_FILE = "nats-server.pid"
# bcrypt cost: every connect is checked against it; 10 keeps a test's many connects quick.
BCRYPT_ROUNDS = 10


def auth_dir(data_dir: Path) -> Path:
    return data_dir / AUTH_DIR


def write_private(path: Path, text: str) -> None:
    """Write `text` readable by its owner only, atomically (a crash leaves the old file)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    os.chmod(temporary, 0o600)  # O_CREAT's mode does not apply to a file left by a crash
    os.replace(temporary, path)


def load_passwords(data_dir: Path) -> dict[str, str]:
    path = auth_dir(data_dir) / PASSWORDS_FILE
    if not path.exists():
        return {}
    loaded = json.loads(path.read_text(encoding="utf-8"))
    return {str(user): str(password) for user, password in loaded.items()}


def ensure_passwords(data_dir: Path, users: Iterable[str] = USERS) -> dict[str, str]:
    """The stored passwords, with a fresh random one for every user that has none yet."""
    passwords = load_passwords(data_dir)
    missing = [user for user in users if user not in passwords]
    for user in missing:
        passwords[user] = secrets.token_urlsafe(24)
    if missing or not (auth_dir(data_dir) / PASSWORDS_FILE).exists():
        write_private(auth_dir(data_dir) / PASSWORDS_FILE, json.dumps(passwords, indent=2))
    return passwords


def _permissions_block(rights: Permissions) -> dict[str, object]:
    # An empty allow list is not "nothing": deny everything explicitly instead.
    publish = {"allow": list(rights.publish)} if rights.publish else {"deny": [">"]}
    block: dict[str, object] = {"publish": publish, "subscribe": {"allow": list(rights.subscribe)}}
    if rights.allow_responses:
        block["allow_responses"] = True
    return block


def users_conf(passwords: Mapping[str, str]) -> str:
    """The `authorization` block: every user with its bcrypt hash and its permissions.

    Written as JSON, which the nats-server configuration format accepts: quoting stays exact.
    """
    users = [
        {
            "user": user,
            "password": bcrypt.hashpw(
                password.encode(), bcrypt.gensalt(BCRYPT_ROUNDS, prefix=b"2a")
            ).decode(),
            "permissions": _permissions_block(permissions_for(user)),
        }
        for user, password in sorted(passwords.items())
    ]
    return "authorization " + json.dumps({"users": users}, indent=2) + "\n"


def server_conf(
    *,
    host: str,
    port: int,
    monitor_port: int,
    store_dir: Path,
    sync_interval: str,
    server_name: str = "vssid-dev",
    tls: tuple[str, str] | None = None,
    cluster: Mapping[str, object] | None = None,
) -> str:
    """The server settings; users come from users.conf next to it. `tls`: (cert, key) files;
    `cluster`: the `cluster` block of one node of a NATS cluster (name, listen, routes)."""
    settings: dict[str, object] = {
        "server_name": server_name,
        "listen": f"{host}:{port}",
        "http": f"{host}:{monitor_port}",
        # sync_interval "always": fsync before every ack (acknowledged means on disk).
        "jetstream": {"store_dir": str(store_dir), "sync_interval": sync_interval},
    }
    if tls is not None:
        settings["tls"] = {"cert_file": tls[0], "key_file": tls[1]}
    if cluster is not None:
        settings["cluster"] = dict(cluster)
    body = json.dumps(settings, indent=2)[1:-1].strip()  # top-level keys, no outer braces
    return f"{body}\ninclude {USERS_CONF}\n"


def write_users(data_dir: Path, passwords: Mapping[str, str]) -> Path:
    path = auth_dir(data_dir) / USERS_CONF
    write_private(path, users_conf(passwords))
    return path


def reload_server(data_dir: Path) -> bool:
    """Ask a running nats-server of this data dir to re-read its users (SIGHUP); True if sent."""
    pid_file = auth_dir(data_dir) / PID_FILE
    try:
        pid = int(pid_file.read_text(encoding="utf-8").strip())
        os.kill(pid, signal.SIGHUP)
    except (OSError, ValueError):
        return False
    return True


__all__ = [
    "auth_dir",
    "ensure_passwords",
    "load_passwords",
    "reload_server",
    "server_conf",
    "users_conf",
    "write_users",
]
