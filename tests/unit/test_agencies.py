"""The agency catalog (DOMAIN §7): packaged data, validity windows, JSON and CSV import."""

from __future__ import annotations

import unicodedata
from datetime import date
from pathlib import Path

import pytest

from vssid_intake.domain.agencies import (
    Agency,
    AgencyCatalog,
    AgencyDataError,
    load_agencies_csv,
)

TODAY = date(2025, 10, 1)
HEADER = "code,name,province_code,phone,address,parent_code,valid_from,valid_to\n"


@pytest.fixture(scope="module")
def catalog() -> AgencyCatalog:
    return AgencyCatalog.load()


def write_csv(tmp_path: Path, text: str, *, bom: bool = False) -> Path:
    path = tmp_path / "agencies.csv"
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return path


def test_thanh_khe_is_4802_with_its_phone(catalog: AgencyCatalog) -> None:
    agency = catalog.get("4802")
    assert agency is not None
    assert agency.public() == {
        "code": "4802",
        "name": "BHXH quận Thanh Khê",
        "province_code": "48",
        "phone": "0236.3721163",
        "address": agency.address,
    }
    assert agency.is_active(TODAY)
    assert "4802" in [a.code for a in catalog.active(TODAY)]


def test_da_nang_offices_are_listed_and_unverified_ones_say_so(catalog: AgencyCatalog) -> None:
    expected = {
        "4800": "BHXH thành phố Đà Nẵng",
        "4801": "BHXH quận Liên Chiểu",
        "4802": "BHXH quận Thanh Khê",
        "4803": "BHXH quận Hải Châu",
        "4804": "BHXH quận Sơn Trà",
        "4805": "BHXH quận Ngũ Hành Sơn",
        "4806": "BHXH quận Cẩm Lệ",
        "4807": "BHXH huyện Hòa Vang",
    }
    da_nang = catalog.by_province("48")
    assert {a.code: a.name for a in da_nang} == expected
    for agency in da_nang:
        if agency.code != "4802":
            assert "chưa xác minh" in agency.note
            assert agency.phone == ""  # no invented phone numbers
            assert agency.parent_code in (None, "4800")


def test_ha_noi_cau_giay_from_the_bhyt_sample(catalog: AgencyCatalog) -> None:
    assert [a.code for a in catalog.by_province("01")] == ["0105"]
    assert catalog.get("0105") is not None


def test_province_code_may_be_given_as_in_a_cccd(catalog: AgencyCatalog) -> None:
    assert catalog.by_province("048") == catalog.by_province("48")
    assert catalog.by_province("001") == catalog.by_province("01")
    assert catalog.by_province("79") == []


def test_packaged_text_is_nfc(catalog: AgencyCatalog) -> None:
    for agency in catalog:
        for text in (agency.name, agency.address, agency.note):
            assert unicodedata.is_normalized("NFC", text)


def test_validity_window_is_inclusive() -> None:
    agency = Agency(
        "4802", "BHXH quận Thanh Khê", "48", valid_from=date(2020, 1, 1), valid_to=date(2025, 6, 30)
    )
    assert not agency.is_active(date(2019, 12, 31))
    assert agency.is_active(date(2020, 1, 1))
    assert agency.is_active(date(2025, 6, 30))
    assert not agency.is_active(date(2025, 7, 1))


def test_active_and_by_province_filter_by_date() -> None:
    catalog = AgencyCatalog(
        [
            Agency("4802", "BHXH quận Thanh Khê", "48", valid_to=date(2025, 6, 30)),
            Agency("4810", "BHXH cơ sở Thanh Khê", "48", valid_from=date(2025, 7, 1)),
        ]
    )
    assert [a.code for a in catalog.active(TODAY)] == ["4810"]
    assert [a.code for a in catalog.by_province("48", today=date(2025, 1, 1))] == ["4802"]
    assert len(catalog.by_province("48")) == 2
    assert not catalog.is_active("4802", TODAY)
    assert catalog.get("4802") is not None  # inactive agencies stay resolvable for old records
    assert "4810" in catalog
    assert len(catalog) == 2


def test_duplicate_codes_are_refused() -> None:
    with pytest.raises(AgencyDataError):
        AgencyCatalog([Agency("4802", "A", "48"), Agency("4802", "B", "48")])


def test_json_round_trip(catalog: AgencyCatalog) -> None:
    again = AgencyCatalog.from_json(catalog.to_json())
    assert list(again) == list(catalog)
    assert "BHXH quận Thanh Khê" in catalog.to_json()  # not \\u-escaped


@pytest.mark.parametrize(
    "text",
    [
        '{"agencies": [{"code": "48", "name": "x", "province_code": "48"}]}',
        '{"agencies": [{"code": "4802", "name": "", "province_code": "48"}]}',
        '{"agencies": [{"code": "4802", "name": "x", "province_code": 48}]}',
        '{"agencies": "4802"}',
    ],
)
def test_bad_json_records_are_refused(text: str) -> None:
    with pytest.raises(AgencyDataError):
        AgencyCatalog.from_json(text)


def test_load_from_a_path(tmp_path: Path, catalog: AgencyCatalog) -> None:
    path = tmp_path / "agencies.json"
    path.write_text(catalog.to_json(), encoding="utf-8")
    assert list(AgencyCatalog.load(path)) == list(catalog)


def test_csv_import_of_good_rows(tmp_path: Path) -> None:
    nfd_name = unicodedata.normalize("NFD", "BHXH quận Thanh Khê")
    path = write_csv(
        tmp_path,
        HEADER
        + f'4802,{nfd_name},48,0236.3721163,"Quận Thanh Khê, Đà Nẵng",4800,2020-01-01,\n'
        + "4800,BHXH thành phố Đà Nẵng,48,,,,,\n",
        bom=True,  # as spreadsheet tools save it
    )
    result = load_agencies_csv(path)
    assert result.errors == []
    thanh_khe = result.catalog.get("4802")
    assert thanh_khe is not None
    assert thanh_khe.name == "BHXH quận Thanh Khê"
    assert thanh_khe.address == "Quận Thanh Khê, Đà Nẵng"
    assert (thanh_khe.parent_code, thanh_khe.valid_from, thanh_khe.valid_to) == (
        "4800",
        date(2020, 1, 1),
        None,
    )


def test_csv_bad_rows_are_reported_with_line_numbers(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        HEADER
        + "4802,BHXH quận Thanh Khê,48,0236.3721163,,,,\n"  # line 2: fine
        + "48A1,BHXH quận Liên Chiểu,48,,,,,\n"  # line 3: bad code
        + "4803,,48,,,,,\n"  # line 4: no name
        + '4804,BHXH quận Sơn Trà,48,,"Quận Sơn Trà,\nĐà Nẵng",,2025-13-01,\n'  # lines 5-6
        + "4805,BHXH quận Ngũ Hành Sơn,48,,,,2025-07-01,2025-06-30\n"  # line 7: window
        + "4802,BHXH quận Thanh Khê (trùng),48,,,,,\n"  # line 8: duplicate
        + "4806,BHXH quận Cẩm Lệ,48,,,,,,extra\n"  # line 9: too many cells
        + "4807,BHXH huyện Hòa Vang,48,,,4807,,\n"  # line 10: its own parent
        + "4808,BHXH test,48,phone?,,,,\n",  # line 11: phone alphabet
    )
    result = load_agencies_csv(path)
    assert [a.code for a in result.agencies] == ["4802"]
    lines = [error.line for error in result.errors]
    assert lines == [3, 4, 6, 7, 8, 9, 10, 11]
    messages = {error.line: error.message for error in result.errors}
    assert "code" in messages[3]
    assert "name" in messages[4]
    assert "valid_from" in messages[6]
    assert "dòng 2" in messages[8]


def test_csv_without_required_columns(tmp_path: Path) -> None:
    result = load_agencies_csv(write_csv(tmp_path, "code,name\n4802,BHXH quận Thanh Khê\n"))
    assert result.agencies == []
    assert [(e.line, "province_code" in e.message) for e in result.errors] == [(1, True)]
