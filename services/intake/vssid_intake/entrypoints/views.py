"""How a stored declaration is shown to its owner."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from vssid_intake.ports import Declarations
from vssid_shared.doc import Doc
from vssid_shared.jsonable import to_jsonable

STATUS_LABELS = {
    "draft": "Bản nháp",
    "submitted": "Đã gửi, đang kiểm tra ảnh và mã QR",
    "awaiting_verification": "Chờ xác minh trực tiếp tại cơ quan BHXH",
    "verified": "Đã xác minh, tài khoản đã được kích hoạt",
    "rejected": "Bị từ chối",
    "expired": "Hết hạn xác minh",
    "withdrawn": "Đã rút lại, dữ liệu cá nhân đã được xóa",
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
        # The last day to come to the office (ISO date), once review has opened the case.
        "visit_deadline": doc.get("visit_deadline"),
        "timeline": [{"status": e["status"], "at": e["at"]} for e in timeline],
        "images": sorted(images, key=lambda i: str(i["kind"])),
        "enrichment": store.open_enrichment(doc),
    }


def export_view(
    doc: Doc, fields: dict[str, Any], exported_at: datetime, store: Declarations
) -> dict[str, Any]:
    """The applicant's export: everything intake holds for this declaration, as JSON."""
    view = declaration_view(doc, store)
    images = [
        {k: meta.get(k) for k in ("kind", "content_type", "width", "height", "sha256", "size")}
        for meta in doc.get("images", {}).values()
    ]
    exported: dict[str, Any] = to_jsonable(
        {
            "id": doc["_id"],
            "status": doc["status"],
            "reference": doc.get("reference"),
            "created_at": doc.get("created_at"),
            "submitted_at": doc.get("submitted_at"),
            "fields": {k: v for k, v in fields.items() if k != "consent"},
            "consent": fields.get("consent"),
            "images": sorted(images, key=lambda i: str(i["kind"])),
            "timeline": view["timeline"],
            "findings": view["enrichment"],
            "exported_at": exported_at,
        }
    )
    return exported
