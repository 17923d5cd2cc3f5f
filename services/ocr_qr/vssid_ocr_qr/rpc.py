"""The autofill decode service: intake asks over NATS request/reply, any ocr_qr worker answers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from vssid_ocr_qr.payloads.classify import parse_payload
from vssid_ocr_qr.payloads.errors import PayloadError, UnknownPayloadError
from vssid_shared.images import ImageNotFoundError, ImageVault
from vssid_shared.subjects import QR_UPLOAD_KIND

UNREADABLE = {"code": "image_unreadable", "message": "Không đọc được ảnh; hãy chụp lại rõ hơn."}
NOT_FOUND = {"code": "qr_not_found", "message": "Không tìm thấy mã QR đọc được trong ảnh."}


def failure(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


EXPIRED = {"code": "expired", "message": "Hết thời gian chờ đọc mã QR, vui lòng thử lại."}
Decode = Callable[[bytes, float | None], Awaitable[dict[str, Any] | None]]


@dataclass
class DecodeService:
    vault: ImageVault
    decode: Decode

    async def handle_photo(self, data: bytes, deadline: float | None = None) -> dict[str, Any]:
        found = await self.decode(data, deadline)
        if found is None:
            return {"error": NOT_FOUND}
        if found.get("expired"):
            return {"error": EXPIRED}
        if found.get("unreadable"):
            return {"error": UNREADABLE}
        if rejected := found.get("rejected"):
            return {"error": rejected}
        return {"kind": found["kind"], "fields": found["fields"]}

    async def handle(
        self, request: dict[str, Any], deadline: float | None = None
    ) -> dict[str, Any]:
        if isinstance(request.get("payload"), str):
            return self.parse_text(request["payload"])
        upload_id = request.get("upload_id")
        file_id = request.get("file_id")
        if not isinstance(upload_id, str) or not isinstance(file_id, str):
            return failure("bad_request", "Yêu cầu giải mã không hợp lệ.")
        try:
            data = await self.vault.get(file_id, upload_id, QR_UPLOAD_KIND)
        except ImageNotFoundError:
            return failure("upload_missing", "Ảnh tải lên đã hết hạn, vui lòng gửi lại.")
        return await self.handle_photo(data, deadline)

    @staticmethod
    def parse_text(text: str) -> dict[str, Any]:
        try:
            parsed = parse_payload(text)
        except UnknownPayloadError as exc:
            return failure("unknown_payload", str(exc))
        except PayloadError as exc:
            return failure(exc.code or "invalid_payload", str(exc))
        return {"kind": parsed.kind, "fields": parsed.fields}
