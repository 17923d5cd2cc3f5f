"""The rules of one scan: photo order, which QR wins, what the clerk and review are told."""

from __future__ import annotations

from typing import Any

from vssid_ocr_qr.domain.crosscheck import Discrepancy, cross_check_bhyt, cross_check_cccd
from vssid_ocr_qr.domain.findings import Finding

# New Căn cước cards carry the QR on the back, older chip cards on the front; portrait last.
PHOTO_ORDER = ("id_back", "id_front", "portrait")
ID_SIDES = ("id_back", "id_front")


def compare(typed: dict[str, Any], qr: dict[str, Any] | None) -> list[Discrepancy]:
    """The typed declaration against the card's QR fields (nothing to compare without a QR)."""
    if qr is None:
        return []
    if qr["kind"] == "cccd":
        return cross_check_cccd(typed, qr["fields"])
    return cross_check_bhyt(typed, qr["fields"])


def qr_summary(qr: dict[str, Any] | None) -> dict[str, Any]:
    """What of the QR travels in clear: its kind, the side it was on, the engine that read it."""
    if qr is None:
        return {"found": False}
    return {k: qr[k] for k in ("kind", "side", "engine")} | {"found": True}


def sealed_scan(
    typed: dict[str, Any], qr: dict[str, Any] | None, discrepancies: list[Discrepancy]
) -> dict[str, Any]:
    """What review (and intake's enrichment) open: personal data, so it travels sealed."""
    return {
        "card": qr["fields"] if qr else None,
        "discrepancies": [d.as_dict() for d in discrepancies],
        "declaration": typed,
    }


def as_dicts(findings: list[Finding]) -> list[dict[str, Any]]:
    return [f.as_dict() for f in findings]
