"""How a case is shown to office staff."""

from __future__ import annotations

from typing import Any

from vssid_shared.mongo import Doc

IMAGE_KINDS = ("portrait", "id_front", "id_back")


def summary_view(case: Doc) -> dict[str, Any]:
    return {
        "id": case["_id"],
        "reference": case["reference"],
        "status": case["status"],
        "agency_code": case["agency_code"],
        "opened_at": case["opened_at"],
        "deadline": case["deadline"],
        "qr_found": bool((case.get("qr") or {}).get("found")),
        "findings": len(case.get("findings", [])),
    }


def detail_view(
    case: Doc, sealed: dict[str, Any], duplicates: list[Doc], history: list[Doc]
) -> dict[str, Any]:
    timeline = [{"status": "awaiting_verification", "at": case["opened_at"]}]
    if case.get("decided_at"):
        timeline.append({"status": case["status"], "at": case["decided_at"]})
    images = [
        {
            "kind": kind,
            "content_type": ref["content_type"],
            "sha256": ref["sha256"],
            "url": f"/v1/review/declarations/{case['_id']}/images/{kind}",
        }
        for kind, ref in case.get("images", {}).items()
        if kind in IMAGE_KINDS
    ]
    return {
        **summary_view(case),
        "fields": sealed.get("declaration", {}),
        "enrichment": {"qr": case.get("qr"), "card": sealed.get("card")},
        "discrepancies": sealed.get("discrepancies", []),
        "findings": case.get("findings", []),
        "same_id_number": [
            {"reference": d["reference"], "status": d["status"]} for d in duplicates
        ],
        "images": images,
        "timeline": timeline,
        # Kept in their own collections (append-only, by case), shown here together.
        "audit": history,
    }
