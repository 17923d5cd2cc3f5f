"""How a case is shown to office staff."""

from __future__ import annotations

from typing import Any

from vssid_shared.doc import Doc

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


def same_photos_view(case: Doc, other: Doc, agency_code: str) -> dict[str, Any]:
    """Another case submitted with some of the same photo bytes: which of this case's photos,
    and that case as the viewing agency may see it (see `duplicate_view`)."""
    theirs = set(other.get("image_sha256") or [])
    kinds = [k for k, ref in case.get("images", {}).items() if ref.get("sha256") in theirs]
    return {**duplicate_view(other, agency_code), "images": sorted(kinds)}


def duplicate_view(other: Doc, agency_code: str) -> dict[str, Any]:
    """Another case with the same ID number, as the viewing agency may see it.

    A case of the viewer's own agency is named by its reference; another agency's case only by
    that agency's code and its status: the fraud signal stays, its id, reference and images
    belong to an office the viewer cannot open.
    """
    if other.get("agency_code") == agency_code:
        return {"reference": other["reference"], "status": other["status"]}
    return {"agency_code": other.get("agency_code"), "status": other["status"]}


def detail_view(
    case: Doc,
    sealed: dict[str, Any],
    duplicates: list[Doc],
    agency_code: str,
    history: list[Doc],
    same_photos: list[Doc] | None = None,
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
        "same_id_number": [duplicate_view(d, agency_code) for d in duplicates],
        "same_photos": [same_photos_view(case, o, agency_code) for o in same_photos or []],
        # The active account the typed number already has (since, masked phone), or null;
        # `account_held` once intake, at verification, left that account's password alone.
        "account": sealed.get("account"),
        "account_held": case.get("account_held"),
        "images": images,
        "timeline": timeline,
        # Kept in their own collections (append-only, by case), shown here together.
        "audit": history,
    }
