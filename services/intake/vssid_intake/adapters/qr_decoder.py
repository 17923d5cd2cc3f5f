"""The QR decode client: asks an ocr_qr worker over NATS request/reply (core NATS, not stored)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from faststream.nats import NatsBroker
from nats.errors import NoRespondersError

from vssid_intake.domain.errors import DecoderUnavailableError, QrDecodeError
from vssid_shared.outage import DependencyDownError
from vssid_shared.subjects import RPC_DEADLINE_HEADER, RPC_QR_DECODE

NO_RESPONDER_RETRY_SECONDS = 0.25


class NatsQrDecoder:
    def __init__(self, broker: NatsBroker, timeout: float) -> None:
        self._broker = broker
        self._timeout = timeout

    async def ask(
        self, request: dict[str, Any] | bytes, headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """`{"kind", "fields"}` from a worker; QrDecodeError for what it could not read."""
        if not self._broker.connection.is_connected:
            # Published while disconnected, the request would wait out the whole timeout.
            raise DependencyDownError("nats")
        body = request if isinstance(request, bytes) else json.dumps(request).encode()
        deadline = time.monotonic() + self._timeout
        # The worker drops a request whose deadline passed before it could start (wall clock:
        # it is compared in another process); nobody would be waiting for that answer.
        stamped = {**(headers or {}), RPC_DEADLINE_HEADER: f"{time.time() + self._timeout:.3f}"}
        while True:
            left = deadline - time.monotonic()
            try:
                reply = await self._broker.request(
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
