"""`vssid nats operator-user|deploy-config`: NATS users for operators and for docker compose."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from vssid.devstack import nats_auth
from vssid.devstack.config import StackConfig
from vssid_shared.nats_access import USERS, operator_user
from vssid_shared.nats_login import NatsLogin, settings_login

TOOL_USER = "ops"


def add_parser(sub: Any) -> None:
    top = sub.add_parser("nats", help="NATS users and server configuration")
    verbs = top.add_subparsers(dest="verb", required=True)
    op = verbs.add_parser(
        "operator-user", help="create (or show) an agency's read-only NATS user in the data dir"
    )
    op.add_argument("--agency", required=True, help="agency code, e.g. 4802")
    op.add_argument("--rotate", action="store_true", help="replace an existing password")
    op.set_defaults(handler=operator_user_command)
    deploy = verbs.add_parser(
        "deploy-config", help="users, passwords and nats-server config for docker compose"
    )
    deploy.add_argument("--dir", default=".secrets", help="where to write (default .secrets)")
    deploy.add_argument("--tls-cert", help="server certificate file, as the server sees it")
    deploy.add_argument("--tls-key", help="its private key file, as the server sees it")
    deploy.set_defaults(handler=deploy_config)


def data_dir() -> Path:
    return StackConfig.from_env().data_dir  # VSSID_DATA_DIR, with `vssid dev`'s default


def tool_login() -> NatsLogin:
    """The CLI tools' login: VSSID_NATS_USER/PASSWORD, else the dev stack's `ops` user."""
    login = settings_login()
    if login.user:
        return login
    password = nats_auth.load_passwords(data_dir()).get(TOOL_USER)
    return login if password is None else login.as_user(TOOL_USER, password)


async def operator_user_command(args: argparse.Namespace) -> int:
    try:
        user = operator_user(args.agency)
    except ValueError:
        print(f"Mã cơ quan không hợp lệ: {args.agency!r} (cần 4 chữ số, ví dụ 4802)")
        return 2
    base = data_dir()
    passwords = nats_auth.load_passwords(base)
    if args.rotate:
        passwords.pop(user, None)
    passwords = nats_auth.ensure_passwords(base, [*passwords, user, *USERS])
    nats_auth.write_users(base, passwords)
    reloaded = nats_auth.reload_server(base)
    url = settings_login().url
    print(f"NATS user {user}: subscribe-only to declarations.{args.agency}.>")
    print("Server " + ("reloaded." if reloaded else "not running: the user applies at next start."))
    print(f"Subscribe with: nats --server {url} --user {user} --password '<password>' \\")
    print(f"  sub 'declarations.{args.agency}.>'")
    print(f"password: {passwords[user]}")  # last, as `operators add` prints its token
    return 0


async def deploy_config(args: argparse.Namespace) -> int:
    """Random passwords (kept across runs), the server config with their bcrypt hashes, and an
    env file handing each compose service its own password."""
    base = Path(args.dir)
    passwords = nats_auth.ensure_passwords(base, USERS)
    nats_auth.write_users(base, passwords)
    conf = nats_auth.auth_dir(base) / nats_auth.SERVER_CONF
    sync = StackConfig.from_env().nats_sync_interval
    nats_auth.write_private(
        conf,
        nats_auth.server_conf(
            host="0.0.0.0",
            port=4222,
            monitor_port=8222,
            store_dir=Path("/data"),
            sync_interval=sync,
            server_name="vssid-nats",
            tls=(args.tls_cert, args.tls_key) if args.tls_cert and args.tls_key else None,
        ),
    )
    lines = [f"VSSID_NATS_PASSWORD_{user.upper()}={passwords[user]}" for user in USERS]
    env_file = base / "nats.env"
    nats_auth.write_private(env_file, "\n".join(lines) + "\n")
    print(f"Wrote {conf.parent} (server config, users) and {env_file} (one password per user).")
    print(f"Start with: docker compose --env-file {env_file} up --build")
    return 0
