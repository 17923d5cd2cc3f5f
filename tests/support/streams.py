"""Losing an event on purpose: delete a declaration's event from the source stream before its
consumers got it (the read-only mirror keeps a copy for the tests to read)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import nats

from tests.support import applicant as a
from tests.support import observe
from vssid_shared.nats_login import NatsLogin
from vssid_shared.subjects import STREAM


async def _delete_last(
    login: NatsLogin, subject: str, declaration_id: str
) -> dict[str, Any] | None:
    """Deletes the last message on `subject` if it is about `declaration_id`; its event."""
    nc = await login.connect()
    try:
        js = nc.jetstream()
        try:
            msg = await js.get_last_msg(STREAM, subject)
        except nats.js.errors.NotFoundError:
            return None
        event: dict[str, Any] = json.loads(msg.data or b"{}")
        if event.get("subject") != declaration_id:
            return None
        assert msg.seq is not None
        await js.delete_msg(STREAM, msg.seq)
        return event
    finally:
        await nc.close()


def delete_event(admin: NatsLogin, event: str, declaration_id: str) -> dict[str, Any]:
    """Waits for the declaration's `event` to reach the stream, then deletes it from there.

    `admin` is the JetStream admin login (the bootstrap's): the only one that may delete."""
    subject = f"declarations.4802.{event}"
    return a.eventually(lambda: asyncio.run(_delete_last(admin, subject, declaration_id)), 60)


def source_events(admin: NatsLogin, subject: str, declaration_id: str) -> list[dict[str, Any]]:
    """The declaration's events on `subject` in the source stream (deleted ones are gone)."""
    return observe.stream_events(admin, subject, declaration_id, STREAM)
