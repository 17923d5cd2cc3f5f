"""CCCD QR payloads: DOMAIN.md §10 examples, normalisation, malformed input, round trips."""

import unicodedata
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support.cards import DOMAIN_PAYLOADS
from vssid_ocr_qr.domain.payloads import (
    PayloadError,
    UnknownPayloadError,
    decode_payload_bytes,
    parse_cccd,
    parse_payload,
)

CCCD_EXAMPLES = DOMAIN_PAYLOADS[:5]
CONTRACT_FIELDS = {
    "id_number",
    "old_id_number",
    "full_name",
    "date_of_birth",
    "gender",
    "address",
    "issued_on",
}
EXPECTED = [
    ("048090900101", "201234567", "Nguyễn Văn Bảo", "1990-03-15", "male", "2021-05-12"),
    ("048185900102", None, "Trần Thị Mai Anh", "1985-11-02", "female", "2021-04-20"),
    ("048301900103", None, "Lê Ngọc Hân", "2001-07-09", "female", "2024-10-15"),
    ("048202900104", None, "Võ Minh Khang", "2002-02-23", "male", "2025-08-05"),
    ("049078900105", "205678901", "Phạm Văn Lộc", "1978-12-30", "male", "2022-06-18"),
]
ADDRESSES = [
    "Tổ 5, Phường Chính Gián, Quận Thanh Khê, Đà Nẵng",
    "45 Hà Huy Tập, Phường Hòa Khê, Quận Thanh Khê, Đà Nẵng",
    "112 Điện Biên Phủ, Phường Chính Gián, Quận Thanh Khê, Đà Nẵng",
    "Tổ 3, Phường Thanh Khê, Thành phố Đà Nẵng",
    "Thôn 2, Xã Hòa Phong, Huyện Hòa Vang, Đà Nẵng",
]


@pytest.mark.parametrize(
    ("payload", "expected", "address"), list(zip(CCCD_EXAMPLES, EXPECTED, ADDRESSES, strict=True))
)
def test_domain_examples(payload: str, expected: tuple[str | None, ...], address: str) -> None:
    parsed = parse_payload(payload)
    assert parsed.kind == "cccd"
    assert set(parsed.fields) == CONTRACT_FIELDS
    id_number, old_id, name, born, gender, issued = expected
    assert parsed.fields == {
        "id_number": id_number,
        "old_id_number": old_id,
        "full_name": name,
        "date_of_birth": born,
        "gender": gender,
        "address": address,
        "issued_on": issued,
    }


def test_2024_card_tail_fields_are_ignored_and_not_shifted() -> None:
    with_tail = parse_cccd(CCCD_EXAMPLES[2])
    without_tail = parse_cccd(CCCD_EXAMPLES[2].removesuffix("||||"))
    assert with_tail == without_tail
    assert (
        parse_cccd(CCCD_EXAMPLES[0] + "|Nguyễn Văn A|012345678901||").full_name == "Nguyễn Văn Bảo"
    )


def test_nfd_input_gives_nfc_fields() -> None:
    parsed = parse_payload(unicodedata.normalize("NFD", CCCD_EXAMPLES[1]))
    assert parsed.fields["full_name"] == "Trần Thị Mai Anh"
    assert parsed.fields["gender"] == "female"  # "Nữ" in NFD still reads as female
    assert all(unicodedata.is_normalized("NFC", v) for v in parsed.fields.values() if v)


def test_surrounding_whitespace_and_line_ending_are_tolerated() -> None:
    assert parse_payload("\ufeff" + CCCD_EXAMPLES[0] + "\r\n").fields["issued_on"] == "2021-05-12"


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ("048090900101|201234567|Nguyễn Văn Bảo|15031990|Nam|Đà Nẵng", "ít nhất 7"),
        ("04809090010|201234567|Nguyễn Văn Bảo|15031990|Nam|Đà Nẵng|12052021", "12 chữ số"),
        ("048090900101|20123|Nguyễn Văn Bảo|15031990|Nam|Đà Nẵng|12052021", "CMND"),
        ("048090900101||Nguyễn Văn Bảo|31021990|Nam|Đà Nẵng|12052021", "Ngày sinh"),
        ("048090900101||Nguyễn Văn Bảo|1990-03-15|Nam|Đà Nẵng|12052021", "Ngày sinh"),
        ("048090900101||Nguyễn Văn Bảo|15031990|Male|Đà Nẵng|12052021", "Giới tính"),
        ("048090900101||Nguyễn Văn Bảo|15031990|Nam|Đà Nẵng|", "Ngày cấp"),
        ("048090900101|||15031990|Nam|Đà Nẵng|12052021", "họ và tên"),
        ("048090900101||Nguyễn Văn Bảo|15031990|Nam||12052021", "nơi thường trú"),
    ],
)
def test_malformed_cccd_is_reported_in_vietnamese(payload: str, fragment: str) -> None:
    with pytest.raises(PayloadError) as caught:
        parse_payload(payload)
    assert not isinstance(caught.value, UnknownPayloadError)
    assert fragment in caught.value.message
    assert caught.value.code == "qr_payload_malformed"


@pytest.mark.parametrize(
    "payload",
    [
        "",
        "hello",
        "https://vssid.baohiemxahoi.gov.vn/",
        "00020101021138570010A000000727012700069704220113VQRQ00000000",
        "a|b|c",
        "12345|Nguyễn Văn Bảo|x",
    ],
)
def test_neither_kind_is_unknown_not_guessed(payload: str) -> None:
    with pytest.raises(UnknownPayloadError) as caught:
        parse_payload(payload)
    assert caught.value.code == "qr_payload_unknown"
    assert "CCCD" in caught.value.message


def test_decode_payload_bytes_is_strict_utf8_then_nfc() -> None:
    nfd = unicodedata.normalize("NFD", CCCD_EXAMPLES[0]).encode()
    assert decode_payload_bytes(nfd) == CCCD_EXAMPLES[0]
    assert decode_payload_bytes(b"\xef\xbb\xbf" + CCCD_EXAMPLES[0].encode()) == CCCD_EXAMPLES[0]
    with pytest.raises(PayloadError) as caught:
        decode_payload_bytes(
            "048090900101||Hoàng Anh|15031990|Nam|Hà Tây|12052021".encode("cp1258")
        )
    assert caught.value.code == "qr_payload_not_utf8"
    assert "UTF-8" in caught.value.message


VIETNAMESE = (
    "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
)
words = st.text(alphabet=VIETNAMESE + VIETNAMESE.upper(), min_size=1, max_size=8)
names = st.lists(words, min_size=1, max_size=5).map(" ".join)
addresses = st.text(alphabet=VIETNAMESE + "0123456789 ,./-", min_size=1, max_size=80).filter(
    lambda s: s.strip() == s and s
)
dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31))
digits = st.text(alphabet="0123456789", min_size=12, max_size=12)


def _compact(day: date) -> str:
    return day.strftime("%d%m") + f"{day.year:04d}"


@given(
    id_number=digits,
    old_id=st.none() | st.text(alphabet="0123456789", min_size=9, max_size=9),
    name=names,
    born=dates,
    female=st.booleans(),
    address=addresses,
    issued=dates,
    tail=st.booleans(),
    nfd=st.booleans(),
)
def test_round_trip(
    id_number: str,
    old_id: str | None,
    name: str,
    born: date,
    female: bool,
    address: str,
    issued: date,
    tail: bool,
    nfd: bool,
) -> None:
    fields = [id_number, old_id or "", name, _compact(born), "Nữ" if female else "Nam", address]
    payload = "|".join([*fields, _compact(issued)]) + ("||||" if tail else "")
    if nfd:
        payload = unicodedata.normalize("NFD", payload)
    parsed = parse_payload(payload)
    assert parsed.kind == "cccd"
    assert parsed.fields == {
        "id_number": id_number,
        "old_id_number": old_id,
        "full_name": name,
        "date_of_birth": born.isoformat(),
        "gender": "female" if female else "male",
        "address": address,
        "issued_on": issued.isoformat(),
    }
