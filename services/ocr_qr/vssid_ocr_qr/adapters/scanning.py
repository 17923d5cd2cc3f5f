"""CPU-bound QR decoding, run in a process pool so the event loop stays free."""

from __future__ import annotations

import asyncio
import functools
import io
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from typing import Any, cast

import pillow_heif
from PIL import Image

from vssid_ocr_qr.adapters.decoding import LadderDecoder, ScanOutcome, default_ladder
from vssid_ocr_qr.adapters.memory import keep_freed_memory
from vssid_ocr_qr.adapters.parentdeath import die_with_parent
from vssid_ocr_qr.adapters.quality import ImageKind, assess_image
from vssid_shared import metrics

# Phones upload HEIC (iPhone's default): autofill photos reach the pool as the user sent them.
# Registered at import, so every pool process (spawned, re-importing this module) can open them.
pillow_heif.register_heif_opener()


@cache
def _ladder() -> LadderDecoder:
    return default_ladder()  # one per worker process, built on first use


def warm_process(parent_pid: int | None = None) -> None:
    """Pool initializer: die with the service (see `parentdeath`), build the ladder up front
    and keep OpenCV to one thread, since the pool already runs one process per core (more
    threads would only fight over them); keep freed memory for the next photo (see `memory`)."""
    if parent_pid is not None:
        die_with_parent(parent_pid)  # first: a parent killed during the imports is seen too
    import cv2

    cv2.setNumThreads(1)
    keep_freed_memory()
    _ladder()


UNREADABLE: dict[str, Any] = {"unreadable": True}


def decode_card_bytes(data: bytes) -> dict[str, Any] | None:
    """Runs inside a pool process: image bytes in, parsed card (plain data) out.

    A photo that cannot be opened or processed is a finding about the photo, not a failure of
    the worker: retrying would fail the same way, so it is reported as unreadable.
    """
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            card, rejected = _qr_answer(_ladder().scan(image))
    except Exception:
        return UNREADABLE
    if card is None and rejected:
        # A QR was read but is no card (a bank or website code, non-UTF-8 bytes): say so,
        # rather than "no QR found", so the person scans the right code.
        return {"rejected": rejected[0]}
    return card


EXPIRED: dict[str, Any] = {"expired": True}


def decode_unless_late(deadline: float | None, data: bytes) -> dict[str, Any] | None:
    """Runs inside a pool process: skip a photo whose asker stopped waiting while it queued
    (Unix time, as the asker's clock and ours are one machine's or NTP-synchronised)."""
    if deadline is not None and time.time() > deadline:
        return EXPIRED
    return decode_card_bytes(data)


def inspect_photo(kind: str, data: bytes, *, want_qr: bool) -> dict[str, Any]:
    """Runs inside a pool process: quality findings for any photo, the card QR if asked."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            findings = [f.as_dict() for f in assess_image(cast(ImageKind, kind), image)]
            card, rejected = _qr_answer(_ladder().scan(image)) if want_qr else (None, [])
    except Exception:
        return {**UNREADABLE, "findings": []}
    return {"findings": findings, "card": card, "rejected": rejected}


def _qr_answer(outcome: ScanOutcome) -> tuple[dict[str, Any] | None, list[dict[str, str]]]:
    """The card read (plain data for the pool's return trip), else the QR codes turned down."""
    result = outcome.result
    if result is None:
        return None, [{"code": r.code, "message": r.message} for r in outcome.rejections]
    card = {
        "kind": result.parsed.kind,
        "fields": result.parsed.fields,
        "engine": result.engine,
        "step": result.step,
    }
    return card, []


class DecodePool:
    """A process pool sized to the machine: one worker process per core by default."""

    def __init__(self, workers: int = 0) -> None:
        # spawn, not fork: the parent already runs threads (driver monitors) that fork would copy.
        self._pool = ProcessPoolExecutor(
            max_workers=workers or os.cpu_count() or 1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=warm_process,
            initargs=(os.getpid(),),
        )
        self._workers = workers or os.cpu_count() or 1

    @property
    def workers(self) -> int:
        return self._workers

    async def warm(self) -> None:
        """Start every pool process now, so the first photo does not pay for imports."""
        loop = asyncio.get_running_loop()
        await asyncio.gather(
            *(loop.run_in_executor(self._pool, _ladder) for _ in range(self._workers))
        )

    async def inspect(self, kind: str, data: bytes, want_qr: bool) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        job = functools.partial(inspect_photo, kind, data, want_qr=want_qr)
        started = time.perf_counter()
        seen = await loop.run_in_executor(self._pool, job)
        if want_qr:
            metrics.qr_decoded("scan", seen, time.perf_counter() - started)
        return seen

    async def decode(self, data: bytes, deadline: float | None = None) -> dict[str, Any] | None:
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        answer = await loop.run_in_executor(self._pool, decode_unless_late, deadline, data)
        metrics.qr_decoded("autofill", answer, time.perf_counter() - started)
        return answer

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
