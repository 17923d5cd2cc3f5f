"""Comparing what the applicant typed with what the card's QR code says."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from difflib import SequenceMatcher
from typing import Any, Literal

from vssid_shared.text import name_key

Severity = Literal["error", "warning", "info"]
ADDRESS_SIMILARITY_FLOOR = 0.6


@dataclass(frozen=True)
class Discrepancy:
    field: str
    typed: str | None
    card: str | None
    severity: Severity

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _exact(field: str, typed: Any, card: Any, severity: Severity) -> list[Discrepancy]:
    if typed in (None, "") or card in (None, "") or str(typed) == str(card):
        return []
    return [Discrepancy(field, str(typed), str(card), severity)]


def _name(typed: Any, card: Any) -> list[Discrepancy]:
    if not typed or not card or name_key(str(typed)) == name_key(str(card)):
        return []
    return [Discrepancy("full_name", str(typed), str(card), "error")]


def _address(typed: Any, card: Any) -> list[Discrepancy]:
    if not typed or not card:
        return []
    ratio = SequenceMatcher(None, name_key(str(typed)), name_key(str(card))).ratio()
    # Addresses change (moves, the 2025 merger): a low similarity is worth a look, not a refusal.
    return (
        [] if ratio >= ADDRESS_SIMILARITY_FLOOR else [Discrepancy("address", typed, card, "info")]
    )


def cross_check_cccd(typed: dict[str, Any], card: dict[str, Any]) -> list[Discrepancy]:
    """Typed declaration fields against a parsed CCCD QR payload."""
    id_doc = typed.get("id_document") or {}
    return [
        *_exact("id_document.number", id_doc.get("number"), card.get("id_number"), "error"),
        *_name(typed.get("full_name"), card.get("full_name")),
        *_exact("date_of_birth", typed.get("date_of_birth"), card.get("date_of_birth"), "error"),
        *_exact("gender", typed.get("gender"), card.get("gender"), "error"),
        *_exact("id_document.issued_on", id_doc.get("issued_on"), card.get("issued_on"), "warning"),
        *_address(typed.get("address"), card.get("address")),
    ]


def cross_check_bhyt(typed: dict[str, Any], card: dict[str, Any]) -> list[Discrepancy]:
    """Typed declaration fields against a parsed BHYT card QR payload."""
    return [
        *_exact(
            "social_insurance_number",
            typed.get("social_insurance_number"),
            card.get("social_insurance_number"),
            "error",
        ),
        *_name(typed.get("full_name"), card.get("full_name")),
        *_exact("date_of_birth", typed.get("date_of_birth"), card.get("date_of_birth"), "warning"),
        *_exact("gender", typed.get("gender"), card.get("gender"), "error"),
    ]
