"""Reading what the system did from the outside: JetStream history, mail and SMS catchers."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from nats.errors import TimeoutError as NatsTimeout

from vssid_shared.nats_login import NatsLogin
from vssid_shared.subjects import DEADLETTER_STREAM, STREAM, VIEW_STREAM


async def _events(
    login: NatsLogin, subject: str, stream: str = VIEW_STREAM
) -> list[dict[str, Any]]:
    nc = await login.connect()
    try:
        # The stream named: looking it up by subject is a JetStream call the tools' user lacks.
        sub = await nc.jetstream().subscribe(subject, stream=stream, ordered_consumer=True)
        found: list[dict[str, Any]] = []
        while True:
            try:
                msg = await sub.next_msg(timeout=1.0)
            except NatsTimeout:
                return found
            try:
                found.append(json.loads(msg.data))
            except ValueError:
                continue  # poison messages the fault tests planted are history too
    finally:
        await nc.close()


def stream_events(
    login: NatsLogin, subject: str, declaration_id: str, stream: str = VIEW_STREAM
) -> list[dict[str, Any]]:
    """Every event on `subject` about one declaration, as stored in the stream."""
    events = asyncio.run(_events(login, subject, stream))
    return [e for e in events if e.get("subject") == declaration_id]


def mails_about(mail_api_url: str, text: str) -> list[dict[str, Any]]:
    body = httpx.get(f"{mail_api_url}/api/v1/messages", params={"limit": 500}).json()
    return [m for m in body["messages"] if text in m["Subject"]]


def sms_to(mail_api_url: str, phone: str) -> list[dict[str, Any]]:
    body = httpx.get(f"{mail_api_url}/api/v1/sms").json()
    return [m for m in body["messages"] if m["To"] == phone]


async def _publish(login: NatsLogin, subject: str, payloads: list[tuple[bytes, str]]) -> list[int]:
    nc = await login.connect()
    try:
        js = nc.jetstream()
        acks = [
            await js.publish(subject, data, headers={"Nats-Msg-Id": msg_id})
            for data, msg_id in payloads
        ]
    finally:
        await nc.close()
    return [ack.seq for ack in acks]


def publish(login: NatsLogin, subject: str, payloads: list[tuple[bytes, str]]) -> list[int]:
    """Publishes raw messages to the stream, each with its own `Nats-Msg-Id`; their sequences."""
    return asyncio.run(_publish(login, subject, payloads))


def deadletters(login: NatsLogin) -> list[dict[str, Any]]:
    """JetStream advisories stored in the DEADLETTER stream."""
    return asyncio.run(_events(login, "$JS.EVENT.ADVISORY.CONSUMER.>", DEADLETTER_STREAM))


async def _undelivered(login: NatsLogin, durable: str) -> int:
    nc = await login.connect()
    try:
        info = await nc.jsm().consumer_info(STREAM, durable)
    finally:
        await nc.close()
    return int(info.num_pending or 0)


def undelivered(login: NatsLogin, durable: str) -> int:
    """How many stream messages the durable consumer has not yet handed to any worker
    (`login` must be the consumer's owner: only it may read the consumer's info)."""
    return asyncio.run(_undelivered(login, durable))
