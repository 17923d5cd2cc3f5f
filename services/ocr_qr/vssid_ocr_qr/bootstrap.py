"""ocr_qr's composition root: settings in, a wired worker out; any port can be overridden."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TypedDict, Unpack

from faststream import FastStream

from vssid_ocr_qr.adapters import scans
from vssid_ocr_qr.adapters.scanning import DecodePool
from vssid_ocr_qr.adapters.scans import ScanStore
from vssid_ocr_qr.entrypoints.worker import subscribe
from vssid_ocr_qr.ports import (
    DecodeDeps,
    DecodePhoto,
    InspectPhoto,
    Outbox,
    PhotoStore,
    ScanDeps,
    ScanRepository,
)
from vssid_ocr_qr.settings import OcrQrSettings
from vssid_shared.clock import Clock, utc_now
from vssid_shared.images import ImageVault
from vssid_shared.logs import configure_logging
from vssid_shared.runtime import Runtime
from vssid_shared.worker import worker_app


class Overrides(TypedDict, total=False):
    runtime: Runtime
    scans: ScanRepository
    photos: PhotoStore
    outbox: Outbox
    clock: Clock
    inspect: InspectPhoto
    decode: DecodePhoto


@dataclass(frozen=True)
class OcrQr:
    runtime: Runtime
    scan: ScanDeps
    decode: DecodeDeps
    app: FastStream


@dataclass(frozen=True)
class Pools:
    """Indexes and warm decode processes before the first message; processes ended on stop."""

    store: ScanStore
    pools: tuple[DecodePool, ...]

    async def start(self) -> None:
        await self.store.ensure_indexes()
        await self.store.adopt_older_scans()
        await asyncio.gather(*(pool.warm() for pool in self.pools))

    def close(self) -> None:
        for pool in self.pools:
            pool.close()


def bootstrap(settings: OcrQrSettings, **overrides: Unpack[Overrides]) -> OcrQr:
    log = configure_logging("ocr_qr", settings.log_level)
    runtime = overrides.get("runtime") or Runtime.create(settings)
    store = ScanStore(runtime.db)
    relay = runtime.with_outbox([runtime.db[scans.COLLECTION]])
    scan_pool = DecodePool(settings.scan_workers)
    # Autofill photos get processes of their own: a submission's scan never queues behind
    # them, however many arrive (and an autofill never waits behind a batch of scans).
    decode_pool = DecodePool(settings.decode_workers)
    vault = ImageVault(runtime.db, runtime.keys.images)
    scan = ScanDeps(
        scans=overrides.get("scans", store),
        photos=overrides.get("photos", vault),
        sealer=runtime.keys.events,
        outbox=overrides.get("outbox", relay),
        clock=overrides.get("clock", utc_now),
        inspect=overrides.get("inspect", scan_pool.inspect),
    )
    decode = DecodeDeps(
        uploads=overrides.get("photos", vault), decode=overrides.get("decode", decode_pool.decode)
    )
    subscribe(runtime.broker, scan, decode, scans=scan_pool.workers, decodes=decode_pool.workers)
    pools = Pools(store, (scan_pool, decode_pool))
    app = worker_app(
        runtime,
        title="VssID ocr_qr",
        description="Kiểm tra ảnh, đọc mã QR trên CCCD/BHYT và đối chiếu với tờ khai.",
        log=log,
        on_start=pools.start,
        on_stop=pools.close,
    )
    return OcrQr(runtime, scan, decode, app)
