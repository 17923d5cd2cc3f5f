"""BHYT QR payloads: DOMAIN.md §10 generations, hex text, malformed input, round trips."""

import unicodedata
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support.cards import DOMAIN_PAYLOADS
from vssid_ocr_qr.domain.payloads import (
    PayloadError,
    UnknownPayloadError,
    parse_bhyt,
    parse_payload,
)

GD, HS, NEW, TE, HT = DOMAIN_PAYLOADS[5:]
REQUIRED = {"card_number", "social_insurance_number", "full_name", "date_of_birth", "gender"}


def test_2017_card_with_every_field() -> None:
    fields = parse_payload(GD).fields
    assert set(fields) >= REQUIRED
    assert fields == {
        "card_number": "GD4484890012345",
        "social_insurance_number": "4890012345",
        "full_name": "Nguyễn Văn Bảo",
        "date_of_birth": "1990-03-15",
        "gender": "male",
        "address": "Tổ 5, Chính Gián, Thanh Khê, Đà Nẵng",
        "kcb_facility": "48017",
        "valid_from": "2024-01-01",
        "valid_to": "2024-12-31",
        "issued_on": "2023-12-15",
        "group_code": "GD",
        "benefit_level": "4",
        "province_code": "48",
        "agency_code": "4802",
        "guardian_name": None,
        "area_code": "4",
        "five_years_from": "2029-01-01",
        "check_string": "a4c123b1612dd272-d137",
        "field_14": None,
        "issuing_place": None,
    }


def test_child_card_carries_guardian_name() -> None:
    fields = parse_payload(HS).fields
    assert fields["full_name"] == "Lê Gia Huy"
    assert fields["guardian_name"] == "Lê Ngọc Hân"
    assert fields["address"] == "112 Điện Biên Phủ, Thanh Khê"
    assert fields["date_of_birth"] == "2012-10-20"


def test_2023_card_with_only_the_social_insurance_number() -> None:
    fields = parse_payload(NEW).fields
    assert fields["card_number"] == fields["social_insurance_number"] == "4890012347"
    assert fields["group_code"] is None
    assert fields["benefit_level"] is None
    assert fields["full_name"] == "Trần Thị Mai Anh"
    assert fields["gender"] == "female"
    assert fields["address"] is None  # "-" on newer cards
    assert fields["valid_to"] is None  # open-ended
    assert fields["five_years_from"] == "2030-01-01"  # the leading space is tolerated
    assert fields["field_14"] == "4"
    assert fields["issuing_place"] == "Quận Thanh Khê, Đà Nẵng"
    assert fields["check_string"] == "daeeb975729fae92-3d5a"


def test_under_six_card_without_five_year_date() -> None:
    fields = parse_payload(TE).fields
    assert (fields["full_name"], fields["guardian_name"]) == ("Võ Bảo Ngọc", "Võ Minh Khang")
    assert fields["benefit_level"] == "1"
    assert fields["five_years_from"] is None


def test_year_only_birth_date_is_returned_as_the_year() -> None:
    fields = parse_payload(HT).fields
    assert fields["date_of_birth"] == "1958"
    assert fields["full_name"] == "Đặng Văn Tư"


def test_2019_card_has_no_tail_and_dollar_is_optional() -> None:
    short = "|".join([*GD.split("|")[:9], "$"])
    card = parse_bhyt(short)
    assert card.full_name == "Nguyễn Văn Bảo"
    assert card.agency_code is None
    assert card.check_string is None
    assert parse_bhyt(short.removesuffix("|$")) == card


def test_facility_codes_with_letters_and_uppercase_hex() -> None:
    parts = GD.split("|")
    parts[1], parts[5] = parts[1].upper(), "01 - C54"
    card = parse_bhyt("|".join(parts))
    assert card.full_name == "Nguyễn Văn Bảo"
    assert card.kcb_facility == "01C54"


def test_agency_code_only_from_a_14_digit_field() -> None:
    parts = GD.split("|")
    parts[9] = "4890012345"
    assert parse_bhyt("|".join(parts)).agency_code is None


def test_nfd_text_inside_hex_comes_out_nfc() -> None:
    parts = GD.split("|")
    parts[1] = unicodedata.normalize("NFD", "Nguyễn Văn Hòa").encode().hex()
    card = parse_bhyt("|".join(parts))
    assert card.full_name == "Nguyễn Văn Hòa"
    assert unicodedata.is_normalized("NFC", card.full_name)


def _with(index: int, value: str) -> str:
    parts = GD.split("|")
    parts[index] = value
    return "|".join(parts)


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        (_with(1, "4e67757"), "Họ và tên"),  # odd-length hex
        (_with(1, "ff"), "Họ và tên"),  # not UTF-8 inside the hex
        (_with(1, "-"), "họ và tên"),
        (_with(2, "31/02/1990"), "Ngày sinh"),
        (_with(2, "1990-03-15"), "Ngày sinh"),
        (_with(3, "3"), "Giới tính"),
        (_with(4, "zz"), "Địa chỉ"),
        (_with(7, "31/13/2024"), "hết hiệu lực"),
        (_with(0, "GD44848900123"), "Mã thẻ BHYT"),
        ("GD4484890012345|4e67|15/03/1990|1|$", "ít nhất 9"),
    ],
)
def test_malformed_bhyt_is_reported_in_vietnamese(payload: str, fragment: str) -> None:
    with pytest.raises(PayloadError) as caught:
        parse_payload(payload)
    assert not isinstance(caught.value, UnknownPayloadError)
    assert fragment in caught.value.message


def test_unreadable_tail_fields_do_not_sink_the_card() -> None:
    card = parse_bhyt(_with(10, "zz"))  # guardian name: meaning and format only partly known
    assert card.guardian_name is None
    assert parse_bhyt(_with(12, "soon")).five_years_from is None


VIETNAMESE = (
    "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
)
words = st.text(alphabet=VIETNAMESE + VIETNAMESE.upper(), min_size=1, max_size=8)
names = st.lists(words, min_size=1, max_size=5).map(" ".join)
places = st.text(alphabet=VIETNAMESE + "0123456789 ,./", min_size=1, max_size=60).filter(
    lambda s: s.strip() == s and s
)
dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31))
sins = st.text(alphabet="0123456789", min_size=10, max_size=10)
codes = st.tuples(
    st.sampled_from(["DN", "HS", "GD", "TE", "HT", "CA"]), st.integers(1, 5), st.integers(1, 96)
)


def _slash(day: date) -> str:
    return day.strftime("%d/%m/") + f"{day.year:04d}"


@st.composite
def bhyt_cards(draw: st.DrawFn) -> tuple[str, dict[str, str | None]]:
    """A payload of a random generation and the fields it must parse back to."""
    generation = draw(st.sampled_from([2017, 2019, 2023]))
    sin, name, born, female = draw(sins), draw(names), draw(dates), draw(st.booleans())
    year_only = draw(st.booleans())
    group, level, province = draw(codes)
    code = sin if generation == 2023 else f"{group}{level}{province:02d}{sin}"
    address = None if generation == 2023 else draw(places)
    valid_from, valid_to, issued = draw(dates), draw(st.none() | dates), draw(dates)
    parts = [code, name.encode().hex(), str(born.year) if year_only else _slash(born)]
    parts += ["2" if female else "1", address.encode().hex() if address else "-", "48 - 017"]
    parts += [_slash(valid_from), _slash(valid_to) if valid_to else "-", _slash(issued)]
    expected: dict[str, str | None] = {
        "card_number": code,
        "social_insurance_number": sin,
        "full_name": name,
        "date_of_birth": str(born.year) if year_only else born.isoformat(),
        "gender": "female" if female else "male",
        "address": address,
        "kcb_facility": "48017",
        "valid_from": valid_from.isoformat(),
        "valid_to": valid_to.isoformat() if valid_to else None,
        "issued_on": issued.isoformat(),
        "group_code": None if generation == 2023 else group,
        "benefit_level": None if generation == 2023 else str(level),
        "province_code": None if generation == 2023 else f"{province:02d}",
    }
    tail: dict[str, str | None] = {
        k: None for k in ("agency_code", "guardian_name", "area_code", "five_years_from")
    }
    tail |= {"check_string": None, "field_14": None, "issuing_place": None}
    if generation != 2019:
        guardian, five = draw(st.none() | names), draw(dates)
        check = draw(st.from_regex(r"[0-9a-f]{16}-[0-9a-f]{4}", fullmatch=True))
        parts += [f"4802{sin}", guardian.encode().hex() if guardian else "-", "4"]
        parts += [" " + _slash(five), check]
        tail |= {"agency_code": "4802", "guardian_name": guardian, "area_code": "4"}
        tail |= {"five_years_from": five.isoformat(), "check_string": check}
    if generation == 2023:
        place = draw(places)
        parts += ["4", place.encode().hex()]
        tail |= {"field_14": "4", "issuing_place": place}
    return "|".join([*parts, "$"]), expected | tail


@given(bhyt_cards())
def test_round_trip(card: tuple[str, dict[str, str | None]]) -> None:
    payload, expected = card
    parsed = parse_payload(payload)
    assert parsed.kind == "bhyt"
    assert parsed.fields == expected
