"""Autofill endpoints: QR decode and the social-insurance-number lookup (CONTRACT §3)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from vssid_intake.domain.errors import (
    MAX_PAYLOAD_CHARS,
    IntakeError,
    PayloadTooLongError,
    TooManyRequestsError,
)
from vssid_intake.entrypoints.dependencies import AppDep, Client
from vssid_intake.entrypoints.openapi import body_with_file
from vssid_intake.entrypoints.upload import read_file_field
from vssid_intake.handlers import (
    DecodeQrPayload,
    DecodeQrPhoto,
    LookupInsured,
    decode_qr_payload,
    decode_qr_photo,
    lookup_insured,
)
from vssid_intake.ports import Deps


class QrOut(BaseModel):
    kind: Literal["cccd", "bhyt"]
    fields: dict[str, str | None]


class LookupMatch(BaseModel):
    social_insurance_number: str
    full_name: str
    date_of_birth: date


class LookupOut(BaseModel):
    matches: list[LookupMatch]


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

router = APIRouter(tags=["autofill"])


@router.post("/v1/qr/decode", response_model=QrOut, openapi_extra=DECODE_BODY)
async def decode(request: Request, client: Client, app: AppDep) -> dict[str, Any]:
    async with app.decode_gate.admit(client):
        return await _decode(request, app.deps)


async def _decode(request: Request, deps: Deps) -> dict[str, Any]:
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
        return await decode_qr_payload(DecodeQrPayload(payload), deps=deps)
    data = await read_file_field(
        content_type,
        request.headers.get("content-length"),
        request.stream(),
        limit=deps.limits.max_image_bytes,
    )
    if data is None:
        raise IntakeError("Thiếu trường 'file' chứa ảnh.")
    return await decode_qr_photo(DecodeQrPhoto(data), deps=deps)


@router.get("/v1/social-insurance/lookup", response_model=LookupOut)
async def lookup(
    client: Client,
    app: AppDep,
    full_name: Annotated[str, Query(min_length=1, max_length=200)],
    date_of_birth: date,
    province_code: Annotated[str, Query(pattern=r"^\d{2,3}$")],
) -> dict[str, Any]:
    if not await app.lookup_limit.allow(client):
        raise TooManyRequestsError
    command = LookupInsured(full_name, date_of_birth, province_code)
    return {"matches": await lookup_insured(command, deps=app.deps)}
