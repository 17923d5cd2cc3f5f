"""Autofill's answers: what intake hears back for a QR payload or a photo (no I/O here)."""

from __future__ import annotations

from typing import Any

from vssid_ocr_qr.domain.errors import PayloadError, UnknownPayloadError
from vssid_ocr_qr.domain.payloads.classify import parse_payload

UNREADABLE = {"code": "image_unreadable", "message": "Không đọc được ảnh; hãy chụp lại rõ hơn."}
NOT_FOUND = {"code": "qr_not_found", "message": "Không tìm thấy mã QR đọc được trong ảnh."}
EXPIRED = {"code": "expired", "message": "Hết thời gian chờ đọc mã QR, vui lòng thử lại."}
BAD_REQUEST = {"code": "bad_request", "message": "Yêu cầu giải mã không hợp lệ."}
UPLOAD_MISSING = {"code": "upload_missing", "message": "Ảnh tải lên đã hết hạn, vui lòng gửi lại."}


def failure(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def answer_for_photo(found: dict[str, Any] | None) -> dict[str, Any]:
    """The decode pool's result for one photo, as the asker reads it."""
    if found is None:
        return {"error": NOT_FOUND}
    if found.get("expired"):
        return {"error": EXPIRED}
    if found.get("unreadable"):
        return {"error": UNREADABLE}
    if rejected := found.get("rejected"):
        return {"error": rejected}
    return {"kind": found["kind"], "fields": found["fields"]}


def answer_for_text(text: str) -> dict[str, Any]:
    """A QR payload typed or scanned by the applicant's own device."""
    try:
        parsed = parse_payload(text)
    except UnknownPayloadError as exc:
        return failure("unknown_payload", str(exc))
    except PayloadError as exc:
        return failure(exc.code or "invalid_payload", str(exc))
    return {"kind": parsed.kind, "fields": parsed.fields}
