"""How a stored declaration is shown to its owner."""

from __future__ import annotations

from typing import Any

from vssid_intake.ports import Declarations
from vssid_shared.doc import Doc

STATUS_LABELS = {
    "draft": "Bản nháp",
    "submitted": "Đã gửi, đang kiểm tra ảnh và mã QR",
    "awaiting_verification": "Chờ xác minh trực tiếp tại cơ quan BHXH",
    "verified": "Đã xác minh, tài khoản đã được kích hoạt",
    "rejected": "Bị từ chối",
    "expired": "Hết hạn xác minh",
}
IMAGE_FIELDS = ("kind", "content_type", "width", "height", "sha256")


def declaration_view(doc: Doc, store: Declarations) -> dict[str, Any]:
    images = [{k: meta[k] for k in IMAGE_FIELDS} for meta in doc.get("images", {}).values()]
    timeline = sorted(doc.get("timeline", []), key=lambda e: e["at"])
    return {
        **store.open_fields(doc),
        "id": doc["_id"],
        "status": doc["status"],
        "status_label": STATUS_LABELS.get(doc["status"], doc["status"]),
        "reference": doc.get("reference"),
        "timeline": [{"status": e["status"], "at": e["at"]} for e in timeline],
        "images": sorted(images, key=lambda i: str(i["kind"])),
        "enrichment": store.open_enrichment(doc),
    }
