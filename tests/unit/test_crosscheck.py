"""Typed declaration against the card's QR data: what counts as a discrepancy."""

from __future__ import annotations

from typing import Any

from vssid_ocr_qr.domain.crosscheck import cross_check_cccd

CARD = {
    "id_number": "048090900101",
    "full_name": "Nguyễn Văn Bảo",
    "date_of_birth": "1990-03-15",
    "gender": "male",
    "address": "Tổ 5, Phường Chính Gián, Quận Thanh Khê, Đà Nẵng",
    "issued_on": "2021-05-12",
}
TYPED: dict[str, Any] = {
    "full_name": "NGUYEN VAN BAO",
    "date_of_birth": "1990-03-15",
    "gender": "male",
    "address": "Tổ 5 Phường Chính Gián Quận Thanh Khê Đà Nẵng",
    "id_document": {"type": "cccd", "number": "048090900101", "issued_on": "2021-05-12"},
}


def test_same_person_typed_without_accents_has_no_discrepancy() -> None:
    assert cross_check_cccd(TYPED, CARD) == []


def test_old_and_new_tone_placement_match() -> None:
    card = {**CARD, "full_name": "Lê Thị Hoà"}
    assert cross_check_cccd({**TYPED, "full_name": "Lê Thị Hòa"}, card) == []


def test_wrong_number_and_birth_date_are_errors() -> None:
    typed = {
        **TYPED,
        "date_of_birth": "1990-03-16",
        "id_document": {**TYPED["id_document"], "number": "048090900102"},
    }
    found = {d.field: d.severity for d in cross_check_cccd(typed, CARD)}
    assert found == {"id_document.number": "error", "date_of_birth": "error"}


def test_a_different_address_is_only_information() -> None:
    typed = {**TYPED, "address": "99 Nguyễn Văn Linh, Hải Châu"}
    [d] = cross_check_cccd(typed, CARD)
    assert (d.field, d.severity) == ("address", "info")
