"""Server-Sent Events of one agency's events (read by `adapters/event_feed` from JetStream),
resumable by sequence."""

import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query
from fastapi.responses import StreamingResponse
from pydantic import ValidationError

from vssid_review.entrypoints.dependencies import AppDep, Op
from vssid_review.ports import EventFeed
from vssid_shared.envelope import CloudEvent

HEARTBEAT_SECONDS = 15.0
# How often an idle stream looks whether the server is shutting down.
POLL_SECONDS = 1.0
# Tells EventSource clients to reconnect after 1 s when the stream ends (to another replica, or
# to this one once restarted), resuming from Last-Event-ID.
RECONNECT_MS = 1000
# How often an open stream re-checks that its operator is still enabled: a disabled operator's
# stream ends within about this long (plus one poll), at the cost of one indexed read.
RECHECK_SECONDS = 1.5


class StreamGate:
    """Open until the server begins to shut down; streams then end themselves cleanly.

    Without it an open stream never finishes: uvicorn waits its graceful timeout, then cuts the
    connection mid-chunk, and clients see a network error instead of an ordinary end.
    """

    def __init__(self) -> None:
        self.closed = False

    def close(self) -> None:
        self.closed = True


def public_event(raw: bytes) -> dict[str, Any] | None:
    """The envelope without its sealed payload: staff tools need ids and statuses, not PII.

    None for a message that is not one of our events (a poison message on its way to the dead
    letters): it is skipped, not allowed to break the stream.
    """
    try:
        event = CloudEvent.model_validate_json(raw)
    except ValidationError:
        return None
    shown = event.model_dump(mode="json")
    # `sealed` and any other sealed part (`account_sealed`): ciphertext is of no use to staff.
    shown["data"] = {k: v for k, v in event.data.items() if not k.endswith("sealed")}
    return shown


async def agency_events(
    feed: EventFeed,
    agency: str,
    after_seq: int | None,
    gate: StreamGate,
    still_allowed: Callable[[], Awaitable[bool]],
    *,
    only_new: bool = False,
) -> AsyncIterator[str]:
    """The agency's events as SSE text, until shutdown or until `still_allowed` says no."""
    sub = await feed.subscribe(agency, after_seq, only_new=only_new)
    yield f"retry: {RECONNECT_MS}\n\n"
    idle = 0.0
    checked = time.monotonic()
    try:
        while not gate.closed:
            if time.monotonic() - checked >= RECHECK_SECONDS:
                if not await still_allowed():
                    return  # the operator was disabled: the stream ends, reconnecting gets 401
                checked = time.monotonic()
            item = await sub.next(POLL_SECONDS)
            if item is None:
                idle += POLL_SECONDS
                if idle >= HEARTBEAT_SECONDS:
                    idle = 0.0
                    yield ": heartbeat\n\n"
                continue
            event = public_event(item.body)
            if event is None:
                continue
            name = str(event["type"]).split(".")[2]
            data = json.dumps(event, ensure_ascii=False)
            yield f"id: {item.seq}\nevent: {name}\ndata: {data}\n\n"
    finally:
        await sub.close()


def event_stream_router(gate: StreamGate) -> APIRouter:
    """/v1/review/events; `gate` ends every open stream when closed."""
    router = APIRouter(tags=["review"])

    @router.get("/v1/review/events", response_class=StreamingResponse)
    async def events(
        op: Op,
        app: AppDep,
        last_event_id: Annotated[str | None, Header()] = None,
        since: Annotated[Literal["start", "now"], Query()] = "start",
    ) -> StreamingResponse:
        after = int(last_event_id) if last_event_id and last_event_id.isdigit() else None

        async def still_allowed() -> bool:
            return await app.operators.is_active(op.id)  # False when unsure: fails closed

        await app.events.connect()
        stream = agency_events(
            app.events, op.agency_code, after, gate, still_allowed, only_new=since == "now"
        )
        headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        return StreamingResponse(stream, media_type="text/event-stream", headers=headers)

    return router
