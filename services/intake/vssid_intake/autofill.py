"""The applicant's three autofills: QR decode (by ocr_qr over NATS) and the BHXH number lookup."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from faststream.nats import NatsBroker
from nats.errors import NoRespondersError

from vssid_intake.adapters.registry import RegistryStore
from vssid_intake.domain.images import check_pixels
from vssid_intake.errors import IntakeError
from vssid_intake.registry import match_material
from vssid_shared.images import ImageVault
from vssid_shared.outage import DependencyDownError
from vssid_shared.subjects import (
    QR_UPLOAD_KIND,
    RPC_DEADLINE_HEADER,
    RPC_INLINE_PHOTO_HEADER,
    RPC_QR_DECODE,
)

NO_RESPONDER_RETRY_SECONDS = 0.25


class QrDecodeError(IntakeError):
    status = 422
    code = "qr_not_found"

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class DecoderUnavailableError(IntakeError):
    status = 503
    code = "decoder_unavailable"
    message = "Dịch vụ đọc mã QR đang bận, vui lòng thử lại."


@dataclass
class Autofill:
    broker: NatsBroker
    vault: ImageVault
    registry: RegistryStore
    timeout: float
    inline_max_bytes: int
    max_pixels: int

    async def ask(
        self, request: dict[str, Any] | bytes, headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        if not self.broker.connection.is_connected:
            # Published while disconnected, the request would wait out the whole timeout.
            raise DependencyDownError("nats")
        body = request if isinstance(request, bytes) else json.dumps(request).encode()
        deadline = time.monotonic() + self.timeout
        # The worker drops a request whose deadline passed before it could start (wall clock:
        # it is compared in another process); nobody would be waiting for that answer.
        stamped = {**(headers or {}), RPC_DEADLINE_HEADER: f"{time.time() + self.timeout:.3f}"}
        while True:
            left = deadline - time.monotonic()
            try:
                reply = await self.broker.request(
                    body, RPC_QR_DECODE, headers=stamped, timeout=max(left, 0.001)
                )
                break
            except NoRespondersError as exc:
                # No ocr_qr worker subscribed right now (starting, or restarting): wait for one
                # within the same deadline rather than failing the person's autofill at once.
                if left <= NO_RESPONDER_RETRY_SECONDS:
                    raise DecoderUnavailableError from exc
                await asyncio.sleep(NO_RESPONDER_RETRY_SECONDS)
            except TimeoutError as exc:
                raise DecoderUnavailableError from exc
        answer: dict[str, Any] = json.loads(reply.body)
        if error := answer.get("error"):
            raise QrDecodeError(error["code"], error["message"])
        return {"kind": answer["kind"], "fields": answer["fields"]}

    async def decode_payload(self, payload: str) -> dict[str, Any]:
        return await self.ask({"payload": payload})

    async def decode_photo(self, data: bytes) -> dict[str, Any]:
        """Inline when it fits one NATS message; else claim-check: the photo waits in GridFS
        (encrypted) only while one worker decodes it."""
        check_pixels(data, self.max_pixels)
        if len(data) <= self.inline_max_bytes:
            return await self.ask(data, headers={RPC_INLINE_PHOTO_HEADER: "1"})
        upload_id = str(uuid.uuid4())
        file_id = await self.vault.put(upload_id, QR_UPLOAD_KIND, data, {})
        try:
            return await self.ask({"upload_id": upload_id, "file_id": file_id})
        finally:
            await self.vault.delete(file_id)

    async def lookup(
        self, full_name: str, date_of_birth: date, province_code: str
    ) -> list[dict[str, Any]]:
        material = match_material(full_name, date_of_birth, province_code)
        return [
            {k: p[k] for k in ("social_insurance_number", "full_name", "date_of_birth")}
            for p in await self.registry.find(material)
        ]
