"""Autofill endpoints: QR decode and the social-insurance-number lookup (CONTRACT §3)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Query, Request
from pydantic import BaseModel

from vssid_intake.autofill import Autofill
from vssid_intake.decode_gate import DecodeGate
from vssid_intake.entrypoints.openapi import body_with_file
from vssid_intake.entrypoints.upload import read_file_field
from vssid_intake.errors import IntakeError
from vssid_intake.ratelimit import RateLimiter


class TooManyRequestsError(IntakeError):
    status = 429
    code = "rate_limited"
    message = "Bạn tra cứu quá nhiều lần. Vui lòng thử lại sau một phút."

    def headers(self) -> dict[str, str]:
        return {"Retry-After": "60"}  # CONTRACT §4a: every 429 says when to come back


class QrOut(BaseModel):
    kind: Literal["cccd", "bhyt"]
    fields: dict[str, str | None]


class LookupMatch(BaseModel):
    social_insurance_number: str
    full_name: str
    date_of_birth: date


class LookupOut(BaseModel):
    matches: list[LookupMatch]


MAX_PAYLOAD_CHARS = 4096  # a QR code holds at most 2953 bytes; room for escapes
DECODE_BODY = body_with_file(
    **{
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["payload"],
                "properties": {"payload": {"type": "string", "maxLength": MAX_PAYLOAD_CHARS}},
            }
        }
    }
)


class PayloadTooLongError(IntakeError):
    status = 422
    code = "payload_too_long"
    message = f"Nội dung mã QR dài quá {MAX_PAYLOAD_CHARS} ký tự."


def register_autofill_routes(
    api: FastAPI, autofill: Autofill, limiter: RateLimiter, max_bytes: int, gate: DecodeGate
) -> None:
    @api.post("/v1/qr/decode", response_model=QrOut, openapi_extra=DECODE_BODY, tags=["autofill"])
    async def decode(request: Request) -> dict[str, Any]:
        async with gate.admit(request.client.host if request.client else "unknown"):
            return await decode_request(request)

    async def decode_request(request: Request) -> dict[str, Any]:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("application/json"):
            try:
                body = await request.json()
            except ValueError:
                body = None
            payload = body.get("payload") if isinstance(body, dict) else None
            if not isinstance(payload, str) or not payload.strip():
                raise IntakeError('Cần gửi ảnh (trường \'file\') hoặc JSON {"payload": "..."}.')
            if len(payload) > MAX_PAYLOAD_CHARS:
                raise PayloadTooLongError
            return await autofill.decode_payload(payload)
        data = await read_file_field(
            content_type, request.headers.get("content-length"), request.stream(), limit=max_bytes
        )
        if data is None:
            raise IntakeError("Thiếu trường 'file' chứa ảnh.")
        return await autofill.decode_photo(data)

    @api.get("/v1/social-insurance/lookup", response_model=LookupOut, tags=["autofill"])
    async def lookup(
        request: Request,
        full_name: Annotated[str, Query(min_length=1, max_length=200)],
        date_of_birth: date,
        province_code: Annotated[str, Query(pattern=r"^\d{2,3}$")],
    ) -> dict[str, Any]:
        client = request.client.host if request.client else "unknown"
        if not await limiter.allow(client):
            raise TooManyRequestsError
        return {"matches": await autofill.lookup(full_name, date_of_birth, province_code)}
