"""Findings about another agency's case name only that agency and the case's status (issue 10
item 11): the receiving agency's own cases keep their references."""

from __future__ import annotations

from vssid_ocr_qr.domain.findings import reused_image_finding, split_by_agency
from vssid_review.entrypoints.views import duplicate_view, same_photos_view


def test_references_split_into_own_cases_and_other_agencies() -> None:
    refs = ["4801-AAAAAA", "4802-CCCCCC", "4801-DDDDDD", "4803-EEEEEE", "4802-FFFFFF"]
    own, others = split_by_agency(refs, "4801")
    assert own == ["4801-AAAAAA", "4801-DDDDDD"]
    assert others == ["4802", "4803"]


def test_reused_photo_of_another_agency_names_the_agency_not_the_case() -> None:
    own, others = split_by_agency(["4802-CCCCCC"], "4801")
    finding = reused_image_finding("portrait", own, others)
    assert finding.code == "image_reused"
    assert "4802-CCCCCC" not in finding.message
    assert "CCCCCC" not in finding.message
    assert "cơ quan BHXH khác: 4802" in finding.message
    assert "mã hồ sơ:" not in finding.message


def test_reused_photo_of_both_lists_own_references_and_other_agencies() -> None:
    finding = reused_image_finding("id_front", ["4801-AAAAAA"], ["4802"])
    assert "(mã hồ sơ: 4801-AAAAAA; hồ sơ tại cơ quan BHXH khác: 4802)" in finding.message


def test_same_id_number_of_another_agency_shows_agency_and_status_only() -> None:
    other = {"_id": "secret-id", "reference": "4802-CCCCCC", "status": "verified"}
    assert duplicate_view({**other, "agency_code": "4802"}, "4801") == {
        "agency_code": "4802",
        "status": "verified",
    }
    assert duplicate_view({**other, "agency_code": "4801"}, "4801") == {
        "reference": "4802-CCCCCC",
        "status": "verified",
    }


def test_same_photos_of_another_agency_show_agency_status_and_which_photos() -> None:
    case = {"images": {"portrait": {"sha256": "aa"}, "id_front": {"sha256": "bb"}}}
    other = {
        "_id": "secret-id",
        "reference": "4802-CCCCCC",
        "status": "rejected",
        "agency_code": "4802",
        "image_sha256": ["aa", "zz"],
    }
    assert same_photos_view(case, other, "4801") == {
        "agency_code": "4802",
        "status": "rejected",
        "images": ["portrait"],
    }
    assert same_photos_view(case, other, "4802")["reference"] == "4802-CCCCCC"
