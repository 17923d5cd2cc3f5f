"""ocr_qr's composition root."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

from faststream.nats.annotations import NatsMessage as MessageContext

from vssid_ocr_qr.adapters.scans import ScanStore
from vssid_ocr_qr.handlers import Scanner
from vssid_ocr_qr.rpc import EXPIRED, DecodeService
from vssid_ocr_qr.scanning import DecodePool
from vssid_ocr_qr.settings import OcrQrSettings
from vssid_shared.clock import utc_now
from vssid_shared.images import ImageVault
from vssid_shared.messaging import subscribe
from vssid_shared.runtime import Runtime
from vssid_shared.subjects import (
    RPC_DEADLINE_HEADER,
    RPC_INLINE_PHOTO_HEADER,
    RPC_QR_DECODE,
    RPC_QR_QUEUE,
    Event,
    consumer,
)


@dataclass
class App:
    runtime: Runtime
    scanner: Scanner
    pool: DecodePool
    autofill_pool: DecodePool

    async def start(self) -> None:
        await self.scanner.store.ensure_indexes()
        await asyncio.gather(self.pool.warm(), self.autofill_pool.warm())

    def close(self) -> None:
        self.pool.close()
        self.autofill_pool.close()


def deadline_of(msg: MessageContext) -> float | None:
    try:
        return float(msg.headers[RPC_DEADLINE_HEADER])
    except (KeyError, ValueError):
        return None


def build(settings: OcrQrSettings) -> App:
    runtime = Runtime.create(settings)
    store = ScanStore(runtime.db)
    relay = runtime.with_outbox([store.collection])
    pool = DecodePool(settings.scan_workers)
    scanner = Scanner(
        store=store,
        vault=ImageVault(runtime.db, runtime.keys.images),
        keys=runtime.keys,
        relay=relay,
        clock=utc_now,
        inspect=pool.inspect,
    )
    # As many declarations in flight as the pool has processes: one at a time would leave all
    # but one core idle (each declaration's photos are inspected one after another).
    subscribe(
        runtime.broker,
        consumer("ocr_qr", Event.SUBMITTED),
        scanner.on_submitted,
        max_workers=pool.workers,
    )
    # Autofill photos get processes of their own: a submission's scan never queues behind
    # them, however many arrive (and an autofill never waits behind a batch of scans).
    autofill_pool = DecodePool(settings.decode_workers)
    decoder = DecodeService(ImageVault(runtime.db, runtime.keys.images), autofill_pool.decode)

    @runtime.broker.subscriber(
        RPC_QR_DECODE,
        queue=RPC_QR_QUEUE,
        title="qr-decode",
        max_workers=autofill_pool.workers,  # one request per process at once, not one in all
    )
    async def on_decode_request(msg: MessageContext) -> dict[str, Any]:
        """Autofill: decode a CCCD/BHYT QR from a payload, an inline photo or a claim-check."""
        deadline = deadline_of(msg)
        if deadline is not None and time.time() > deadline:
            return {"error": EXPIRED}  # it waited in NATS past the asker's patience
        if msg.headers.get(RPC_INLINE_PHOTO_HEADER):
            return await decoder.handle_photo(msg.body, deadline)
        try:
            request = json.loads(msg.body)
        except ValueError:
            request = None
        if not isinstance(request, dict):
            return {"error": {"code": "bad_request", "message": "Yêu cầu giải mã không hợp lệ."}}
        return await decoder.handle(request, deadline)

    return App(runtime, scanner, pool, autofill_pool)
