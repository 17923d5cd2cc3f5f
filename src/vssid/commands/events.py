"""`vssid events tail`: an agency's events from JetStream, one line each, until Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from typing import Any

from nats.aio.msg import Msg
from nats.errors import NoServersError
from nats.js.api import DeliverPolicy
from nats.js.errors import NotFoundError
from pydantic import ValidationError

from vssid.commands.nats_users import tool_login
from vssid.commands.operators import AGENCY
from vssid_shared.clock import VN_TZ
from vssid_shared.envelope import CloudEvent
from vssid_shared.subjects import VIEW_STREAM, agency_filter

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def add_parser(sub: Any) -> None:
    events = sub.add_parser("events", help="the declarations event stream")
    verbs = events.add_subparsers(dest="verb", required=True)
    tail = verbs.add_parser("tail", help="print an agency's events as they happen (Ctrl-C stops)")
    tail.add_argument("--agency", required=True, help="agency code, e.g. 4802")
    tail.add_argument(
        "--from-start", action="store_true", help="replay the stored history first, then follow"
    )
    tail.set_defaults(handler=tail_events)


def event_line(msg: Msg) -> str:
    """Sequence, time, event, reference, declaration id: ids and codes only, never `sealed`."""
    seq = msg.metadata.sequence.stream
    try:
        event = CloudEvent.model_validate_json(msg.data)
    except ValidationError:
        return f"{seq}\t-\t(không đọc được: {msg.subject})\t-\t-"
    # The name from the type as written, so an event newer than this tool still prints.
    name = event.type.split(".")[2] if event.type.count(".") >= 2 else event.type
    when = event.time.astimezone(VN_TZ).isoformat(timespec="seconds")
    reference = event.data.get("reference") or "-"
    return f"{seq}\t{when}\t{name}\t{reference}\t{event.subject}"


async def tail_events(args: argparse.Namespace) -> int:
    if not AGENCY.match(args.agency):
        # The code goes into a subject filter: a wildcard would show other agencies' events.
        print(f"Mã cơ quan không hợp lệ: {args.agency!r} (cần 4 chữ số, ví dụ 4802)")
        return 2
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    # Ctrl-C ends the tail, not the process: even while still connecting, the exit code is 0.
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stop.set)
    work = asyncio.create_task(follow(args.agency, args.from_start))
    stopped = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({work, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for sig in STOP_SIGNALS:
            loop.remove_signal_handler(sig)
        stopped.cancel()
    if work.done():
        return work.result()
    work.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await work
    return 0


async def report(error: Exception) -> None:
    """One line per connection problem instead of nats-py's default traceback."""
    print(f"NATS: {str(error) or type(error).__name__}", file=sys.stderr)


async def follow(agency: str, from_start: bool) -> int:
    try:
        nc = await tool_login().connect(connect_timeout=5, error_cb=report)
    except NoServersError:
        print("Không kết nối được NATS (VSSID_NATS_URL).", file=sys.stderr)
        return 1
    try:
        sub = await nc.jetstream().subscribe(
            agency_filter(agency),
            stream=VIEW_STREAM,
            ordered_consumer=True,
            deliver_policy=DeliverPolicy.ALL if from_start else DeliverPolicy.NEW,
        )
        print(f"Đang theo dõi {agency_filter(agency)} (Ctrl-C để dừng).", file=sys.stderr)
        async for msg in sub.messages:
            print(event_line(msg), flush=True)
    except NotFoundError:
        print(
            f"Chưa có stream {VIEW_STREAM}: chạy python -m vssid_shared.bootstrap.", file=sys.stderr
        )
        return 1
    finally:
        await nc.close()
    return 0
