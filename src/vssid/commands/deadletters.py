"""`vssid deadletters list|replay`: what the consumers gave up on, and sending it round again."""

from __future__ import annotations

import argparse
import json
import uuid
from typing import Any

from nats.aio.client import Client
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.errors import NotFoundError

from vssid.commands.nats_users import tool_login
from vssid_shared.subjects import DEADLETTER_STREAM, STREAM, VIEW_STREAM


def add_parser(sub: Any) -> None:
    dl = sub.add_parser("deadletters", help="dead-lettered messages")
    verbs = dl.add_subparsers(dest="verb", required=True)
    verbs.add_parser("list", help="list dead letters").set_defaults(handler=list_deadletters)
    replay = verbs.add_parser("replay", help="republish the original message of a dead letter")
    replay.add_argument("stream_seq", type=int, help="sequence in DECLARATIONS (from `list`)")
    replay.set_defaults(handler=replay_deadletter)


async def advisories(nc: Client) -> list[dict[str, Any]]:
    sub = await nc.jetstream().subscribe(">", stream=DEADLETTER_STREAM, ordered_consumer=True)
    found: list[dict[str, Any]] = []
    while True:
        try:
            msg = await sub.next_msg(timeout=1.0)
        except NatsTimeoutError:
            return found
        found.append(json.loads(msg.data))


async def list_deadletters(args: argparse.Namespace) -> int:
    nc = await tool_login().connect()
    try:
        rows = await advisories(nc)
    finally:
        await nc.close()
    for row in rows:
        kind = str(row.get("type", "")).rsplit(".", 1)[-1]  # terminated | max_deliver
        print(f"{row.get('stream_seq')}\t{row.get('consumer')}\t{kind}\t{row.get('timestamp')}")
    print(f"{len(rows)} thư chết (dead letters).")
    return 0


async def replay_deadletter(args: argparse.Namespace) -> int:
    nc = await tool_login().connect()
    try:
        try:
            # The mirror has the same sequence numbers; the tools' user reads only there.
            original = await nc.jsm().get_msg(VIEW_STREAM, args.stream_seq)
        except NotFoundError:
            print(f"Không còn thông điệp số {args.stream_seq} trong {STREAM}.")
            return 1
        # A fresh message id gets past the duplicate window; consumers are idempotent.
        headers = {"Nats-Msg-Id": f"replay-{args.stream_seq}-{uuid.uuid4()}"}
        ack = await nc.jetstream().publish(
            original.subject or "", original.data or b"", headers=headers
        )
    finally:
        await nc.close()
    print(f"Đã phát lại thông điệp {args.stream_seq} thành số {ack.seq}.")
    return 0
