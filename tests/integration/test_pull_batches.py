"""Durable subscribers fetch several messages per pull request (`VSSID_PULL_BATCH_SIZE`) and
still settle each one alone: a failure retries that message only, the others are acked once."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter

from vssid.devstack import Stack
from vssid_shared.bootstrap import declare_all
from vssid_shared.clock import utc_now
from vssid_shared.crypto import Keys
from vssid_shared.envelope import CloudEvent, new_event
from vssid_shared.messaging import make_broker, subscribe
from vssid_shared.settings import CommonSettings
from vssid_shared.subjects import Event, consumer

KEYS = Keys("x" * 40)
BATCH = 4


def copy_mailed(tag: str) -> CloudEvent:
    declaration_id = str(uuid.uuid4())
    sealed = KEYS.events.seal_json({"tag": tag}, declaration_id)
    data = {"reference": f"T{uuid.uuid4().hex[:9].upper()}", "sealed": sealed, "tag": tag}
    return new_event(
        Event.COPY_MAILED,
        source="tests",
        declaration_id=declaration_id,
        agency_code="4802",
        data=data,
        clock=utc_now,
    )


async def publish(stack: Stack, events: list[CloudEvent]) -> None:
    client = await stack.nats_login("ops").connect()  # the one user that may publish any event
    try:
        js = client.jetstream()
        for event in events:
            body = event.model_dump_json().encode()
            await js.publish(event.nats_subject, body, headers={"Nats-Msg-Id": event.id})
    finally:
        await client.close()


def test_the_batch_size_is_a_setting() -> None:
    assert CommonSettings().pull_batch_size > 1
    assert CommonSettings(pull_batch_size=1).pull_batch_size == 1


async def test_a_batch_is_handled_at_once_and_each_message_settled_alone(stack: Stack) -> None:
    await declare_all(stack.nats_login("bootstrap"))
    tag = uuid.uuid4().hex
    events = [copy_mailed(tag) for _ in range(2 * BATCH)]
    failing = events[1].id
    await publish(stack, events)  # all waiting before the subscriber's first pull

    seen: Counter[str] = Counter()
    running = most_at_once = 0
    done = asyncio.Event()

    async def handler(event: CloudEvent) -> None:
        nonlocal running, most_at_once
        if event.data.get("tag") != tag:
            return  # another test's event on this durable: acked, not counted
        seen[event.id] += 1
        running += 1
        most_at_once = max(most_at_once, running)
        try:
            await asyncio.sleep(0.2)  # long enough for the rest of its batch to start
            if event.id == failing and seen[event.id] == 1:
                raise RuntimeError("a transient failure of this message only")
        finally:
            running -= 1
        if len(seen) == len(events) and seen[failing] == 2:
            done.set()

    broker = make_broker(stack.nats_login("review"), pull_batch_size=BATCH)
    subscribe(broker, consumer("review", Event.COPY_MAILED), handler)
    await broker.start()
    try:
        async with asyncio.timeout(60):
            await done.wait()
    finally:
        await broker.stop()
    assert most_at_once > 1  # one pull brought several messages
    assert most_at_once <= BATCH
    assert seen[failing] == 2  # nacked and redelivered alone
    assert all(seen[e.id] == 1 for e in events if e.id != failing)  # acked once each
