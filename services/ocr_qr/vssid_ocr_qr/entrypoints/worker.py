"""ocr_qr's subscribers: one typed function per message it takes (AsyncAPI:
`faststream docs serve --factory vssid_ocr_qr.entrypoints.worker:app`)."""

from __future__ import annotations

import json
import time
from typing import Annotated, Any

from faststream import FastStream
from faststream.nats import NatsBroker

from vssid_ocr_qr.domain.decode_answers import BAD_REQUEST, EXPIRED
from vssid_ocr_qr.handlers import decode_photo, decode_request, scan_declaration
from vssid_ocr_qr.ports import DecodeDeps, ScanDeps
from vssid_shared.contracts import Submitted
from vssid_shared.messaging import LoopContext, Message, durable, settle_as
from vssid_shared.subjects import (
    RPC_DEADLINE_HEADER,
    RPC_INLINE_PHOTO_HEADER,
    RPC_QR_DECODE,
    RPC_QR_QUEUE,
    Event,
    consumer,
)

# Where the bootstrap puts each use case's ports in the broker's context.
SCAN_DEPS = "ocr_qr_scan_deps"
DECODE_DEPS = "ocr_qr_decode_deps"


async def on_submitted(msg: Message, deps: Annotated[ScanDeps, LoopContext(SCAN_DEPS)]) -> None:
    """Check the photos, decode the ID card's QR, cross-check, publish `scanned` once."""
    first = delivered_once(msg)
    await settle_as(
        msg, Submitted, lambda event: scan_declaration(event, deps=deps, first_delivery=first)
    )


def delivered_once(msg: Message) -> bool:
    """JetStream delivers this message for the first time (its metadata says so; without
    metadata, as in a plain-core test message, assume a redelivery: the safe side)."""
    try:
        # nats-py parses it from the reply subject, and raises on one that is not JetStream's.
        delivered = msg.raw_message.metadata.num_delivered
    except Exception:
        return False
    return bool(delivered == 1)


async def on_decode_request(
    msg: Message, deps: Annotated[DecodeDeps, LoopContext(DECODE_DEPS)]
) -> dict[str, Any]:
    """Autofill: decode a CCCD/BHYT QR from a payload, an inline photo or a claim-check."""
    deadline = deadline_of(msg)
    if deadline is not None and time.time() > deadline:
        return {"error": EXPIRED}  # it waited in NATS past the asker's patience
    if msg.headers.get(RPC_INLINE_PHOTO_HEADER):
        return await decode_photo(msg.body, deadline, deps=deps)
    try:
        request = json.loads(msg.body)
    except ValueError:
        request = None
    if not isinstance(request, dict):
        return {"error": BAD_REQUEST}
    return await decode_request(request, deadline, deps=deps)


def deadline_of(msg: Message) -> float | None:
    try:
        return float(msg.headers[RPC_DEADLINE_HEADER])
    except (KeyError, ValueError):
        return None


def subscribe(
    broker: NatsBroker, scan: ScanDeps, decode: DecodeDeps, *, scans: int, decodes: int
) -> None:
    """Bind the subscribers, `scans` declarations and `decodes` autofill photos in flight."""
    broker.context.set_global(SCAN_DEPS, scan)
    broker.context.set_global(DECODE_DEPS, decode)
    # As many declarations in flight as the pool has processes: one at a time would leave all
    # but one core idle (each declaration's photos are inspected one after another).
    durable(broker, consumer("ocr_qr", Event.SUBMITTED), max_workers=scans)(on_submitted)
    # One request per decode process at once, not one in all.
    broker.subscriber(RPC_QR_DECODE, queue=RPC_QR_QUEUE, title="qr-decode", max_workers=decodes)(
        on_decode_request
    )


def app() -> FastStream:
    """The worker app from the environment's settings (`faststream ... --factory`)."""
    from vssid_ocr_qr.bootstrap import bootstrap
    from vssid_ocr_qr.settings import OcrQrSettings

    return bootstrap(OcrQrSettings()).app
