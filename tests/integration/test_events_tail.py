"""`vssid events tail`: an agency's events from JetStream, one line each, clean exit on Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
from collections.abc import AsyncIterator

import pytest

from vssid.devstack import Stack
from vssid_shared.bootstrap import declare_all
from vssid_shared.clock import utc_now
from vssid_shared.crypto import Keys
from vssid_shared.envelope import CloudEvent, new_event
from vssid_shared.subjects import Event

KEYS = Keys("x" * 40)
READ_TIMEOUT = 20.0


def sample_event(event: Event, agency: str) -> CloudEvent:
    declaration_id = str(uuid.uuid4())
    sealed = KEYS.events.seal_json({"full_name": "Nguyễn Văn Bảo"}, declaration_id)
    data = {"reference": f"T{uuid.uuid4().hex[:9].upper()}", "sealed": sealed}
    return new_event(
        event,
        source="tests",
        declaration_id=declaration_id,
        agency_code=agency,
        data=data,
        clock=utc_now,
    )


async def publish(stack: Stack, *events: CloudEvent) -> None:
    # The tools' user: the one allowed to republish any event (deadletters replay).
    client = await stack.nats_login("ops").connect()
    try:
        js = client.jetstream()
        for event in events:
            body = event.model_dump_json().encode()
            await js.publish(event.nats_subject, body, headers={"Nats-Msg-Id": event.id})
    finally:
        await client.close()


@pytest.fixture
async def streams(stack: Stack) -> Stack:
    await declare_all(stack.nats_login("bootstrap"))
    return stack


async def start_tail(stack: Stack, *extra: str) -> asyncio.subprocess.Process:
    argv = ["-m", "vssid.cli", "events", "tail", "--agency", "4802", *extra]
    return await asyncio.create_subprocess_exec(
        sys.executable,
        *argv,
        env={**os.environ, **stack.nats_login("ops").env()},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


@pytest.fixture
async def tail_from_start(streams: Stack) -> AsyncIterator[asyncio.subprocess.Process]:
    process = await start_tail(streams, "--from-start")
    yield process
    if process.returncode is None:
        process.kill()
        await process.wait()


async def read_until(stream: asyncio.StreamReader | None, *needles: str) -> list[str]:
    """Lines up to the one holding the last of `needles`; fails after READ_TIMEOUT."""
    assert stream is not None
    lines: list[str] = []
    missing = set(needles)
    async with asyncio.timeout(READ_TIMEOUT):
        while missing:
            line = (await stream.readline()).decode()
            assert line, f"output ended before {missing}: {lines}"
            lines.append(line)
            missing = {n for n in missing if not any(n in seen for seen in lines)}
    return lines


async def interrupt(process: asyncio.subprocess.Process) -> str:
    """Ctrl-C, then the rest of stdout; the exit code must be 0."""
    process.send_signal(signal.SIGINT)
    async with asyncio.timeout(READ_TIMEOUT):
        rest, errors = await process.communicate()
    assert process.returncode == 0, errors.decode()
    return rest.decode()


async def test_tail_from_start_prints_the_agency_events_without_sealed_data(
    streams: Stack, tail_from_start: asyncio.subprocess.Process
) -> None:
    first = sample_event(Event.AWAITING_VERIFICATION, "4802")
    elsewhere = sample_event(Event.AWAITING_VERIFICATION, "4801")
    second = sample_event(Event.VERIFIED, "4802")
    await publish(streams, first, elsewhere, second)
    lines = await read_until(tail_from_start.stdout, first.subject, second.subject)
    output = "".join(lines) + await interrupt(tail_from_start)
    ours = [line.rstrip("\n").split("\t") for line in lines]
    by_id = {fields[4]: fields for fields in ours if len(fields) == 5}
    assert by_id[first.subject][2:4] == ["awaiting_verification", first.data["reference"]]
    assert by_id[second.subject][2:4] == ["verified", second.data["reference"]]
    assert int(by_id[first.subject][0]) < int(by_id[second.subject][0])
    assert elsewhere.subject not in output
    for event in (first, elsewhere, second):
        assert event.data["sealed"] not in output
    assert "sealed" not in output


async def test_tail_by_default_shows_only_new_events(streams: Stack) -> None:
    old = sample_event(Event.AWAITING_VERIFICATION, "4802")
    await publish(streams, old)
    process = await start_tail(streams)
    try:
        await read_until(process.stderr, "4802.>")  # the consumer exists from here on
        new = sample_event(Event.EXPIRING, "4802")
        await publish(streams, new)
        lines = await read_until(process.stdout, new.subject)
        output = "".join(lines) + await interrupt(process)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert old.subject not in output
    assert "\texpiring\t" in output
