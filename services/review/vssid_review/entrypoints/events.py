"""Server-Sent Events of one agency's events, read from JetStream and resumable by sequence."""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

import nats
from fastapi import Depends, FastAPI, Header
from fastapi.responses import StreamingResponse
from nats.aio.client import Client
from nats.js.api import ConsumerConfig, DeliverPolicy
from pydantic import ValidationError

from vssid_review.adapters.operators import Operator
from vssid_review.bootstrap import App
from vssid_shared.envelope import CloudEvent
from vssid_shared.subjects import STREAM, agency_filter

HEARTBEAT_SECONDS = 15.0


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
    shown["data"] = {k: v for k, v in event.data.items() if k != "sealed"}
    return shown


async def agency_events(nc: Client, agency: str, after_seq: int | None) -> AsyncIterator[str]:
    js = nc.jetstream()
    config = ConsumerConfig(
        deliver_policy=DeliverPolicy.BY_START_SEQUENCE if after_seq else DeliverPolicy.ALL,
        opt_start_seq=after_seq + 1 if after_seq else None,
    )
    sub = await js.subscribe(
        agency_filter(agency), stream=STREAM, ordered_consumer=True, config=config
    )
    try:
        while True:
            try:
                msg = await sub.next_msg(timeout=HEARTBEAT_SECONDS)
            except nats.errors.TimeoutError:
                yield ": heartbeat\n\n"
                continue
            event = public_event(msg.data)
            if event is None:
                continue
            name = str(event["type"]).split(".")[2]
            seq = msg.metadata.sequence.stream
            yield f"id: {seq}\nevent: {name}\ndata: {json.dumps(event, ensure_ascii=False)}\n\n"
    finally:
        await sub.unsubscribe()


def register_event_stream(api: FastAPI, state: App, operator: Any) -> None:
    lock = asyncio.Lock()
    holder: dict[str, Client] = {}

    async def connection() -> Client:
        async with lock:
            if "nc" not in holder or holder["nc"].is_closed:
                holder["nc"] = await nats.connect(state.runtime.settings.nats_url)
            return holder["nc"]

    @api.get("/v1/review/events", tags=["review"], response_class=StreamingResponse)
    async def events(
        op: Annotated[Operator, Depends(operator)],
        last_event_id: Annotated[str | None, Header()] = None,
    ) -> StreamingResponse:
        after = int(last_event_id) if last_event_id and last_event_id.isdigit() else None
        stream = agency_events(await connection(), op.agency_code, after)
        headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        return StreamingResponse(stream, media_type="text/event-stream", headers=headers)
