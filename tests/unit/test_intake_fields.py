"""Field normalisation of declaration drafts (vssid_intake.domain.fields), DOMAIN §2, §5, §8."""

from __future__ import annotations

import json
import unicodedata
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vssid_intake.domain.errors import FieldError
from vssid_intake.domain.fields import apply_submit_defaults, merge_draft, normalize_fields
from vssid_intake.domain.messages import ID_NUMBER_DETAILS, TEMPLATES
from vssid_intake.domain.phones import normalize_vn_mobile

TODAY = date(2025, 10, 1)

# DOMAIN §10 synthetic CCCD QR payloads (fake people); 3 and 4 are 2024+ cards with 4 empty tails.
QR_PEOPLE = [
    "048090900101|201234567|Nguyễn Văn Bảo|15031990|Nam|"
    "Tổ 5, Phường Chính Gián, Quận Thanh Khê, Đà Nẵng|12052021",
    "048185900102||Trần Thị Mai Anh|02111985|Nữ|"
    "45 Hà Huy Tập, Phường Hòa Khê, Quận Thanh Khê, Đà Nẵng|20042021",
    "048301900103||Lê Ngọc Hân|09072001|Nữ|"
    "112 Điện Biên Phủ, Phường Chính Gián, Quận Thanh Khê, Đà Nẵng|15102024||||",
    "048202900104||Võ Minh Khang|23022002|Nam|"
    "Tổ 3, Phường Thanh Khê, Thành phố Đà Nẵng|05082025||||",
    "049078900105|205678901|Phạm Văn Lộc|30121978|Nam|"
    "Thôn 2, Xã Hòa Phong, Huyện Hòa Vang, Đà Nẵng|18062022",
]


def _iso(ddmmyyyy: str) -> str:
    return f"{ddmmyyyy[4:]}-{ddmmyyyy[2:4]}-{ddmmyyyy[:2]}"


def draft_from_qr(payload: str) -> dict[str, object]:
    """A draft as a front end fills it from the QR helper (JSON strings, not dates)."""
    parts = payload.split("|")
    return {
        "full_name": parts[2],
        "date_of_birth": _iso(parts[3]),
        "gender": "male" if parts[4] == "Nam" else "female",
        "address": parts[5],
        "id_document": {"type": "cccd", "number": parts[0], "issued_on": _iso(parts[6])},
    }


def codes(errors: list[FieldError]) -> dict[tuple[str | int, ...], str]:
    return {e.loc: e.code for e in errors}


def one(field: str, value: object) -> tuple[dict[str, object], dict[tuple[str | int, ...], str]]:
    values, errors = normalize_fields({field: value}, today=TODAY)
    return values, codes(errors)


@pytest.mark.parametrize("payload", QR_PEOPLE)
def test_synthetic_people_normalise_without_errors(payload: str) -> None:
    values, errors = normalize_fields(draft_from_qr(payload), today=TODAY)
    assert errors == []
    assert values["id_document"]["number"] == payload.split("|")[0]  # type: ignore[index]
    assert isinstance(values["date_of_birth"], date)


def test_bao_is_normalised_to_clean_values() -> None:
    raw = draft_from_qr(QR_PEOPLE[0]) | {
        "phone": "0905 123 456",
        "social_insurance_number": "0012345678",
        "agency_code": "4802",
        "email": "Bao.Nguyen@Example.COM",
        "send_email_copy": True,
        "nationality": "vn",
    }
    values, errors = normalize_fields(raw, today=TODAY)
    assert errors == []
    assert values["full_name"] == "Nguyễn Văn Bảo"
    assert values["date_of_birth"] == date(1990, 3, 15)
    assert values["phone"] == "+84905123456"
    assert values["social_insurance_number"] == "0012345678"  # leading zeros kept
    assert values["email"] == "Bao.Nguyen@example.com"
    assert values["nationality"] == "VN"
    assert values["id_document"] == {
        "type": "cccd",
        "number": "048090900101",
        "issued_on": date(2021, 5, 12),
    }


def test_nfd_input_becomes_nfc_with_collapsed_spaces() -> None:
    nfd = unicodedata.normalize("NFD", "  Trần   Thị\tMai Anh ")
    assert not unicodedata.is_normalized("NFC", nfd)
    values, errors = one("full_name", nfd)
    assert errors == {}
    assert values["full_name"] == "Trần Thị Mai Anh"
    assert unicodedata.is_normalized("NFC", str(values["full_name"]))
    address, _ = one("address", unicodedata.normalize("NFD", "Tổ 5,  Phường Chính Gián"))
    assert address["address"] == "Tổ 5, Phường Chính Gián"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("Nguyễn Văn 2", "invalid_name"),
        ("<script>", "invalid_name"),
        ("Nguyễn\u200bVăn", "invalid_text"),
        ("Nguyễn\x00Văn", "invalid_text"),
        ("\ud800Bảo", "invalid_text"),  # a lone surrogate from a JSON escape
        ("A" * 101, "too_long"),
        (42, "invalid_type"),
    ],
)
def test_bad_names(value: object, code: str) -> None:
    assert one("full_name", value)[1] == {("body", "full_name"): code}


def test_names_with_apostrophes_and_hyphens_are_fine() -> None:
    assert one("full_name", "Hồ Thị Ngọc-Ánh O'Neil")[1] == {}


@pytest.mark.parametrize("value", ["", "   ", None])
def test_empty_or_null_clears_a_field(value: object) -> None:
    values, errors = one("address", value)
    assert errors == {}
    assert values == {"address": None}


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0123456789", "0123456789"), ("0012 345 678", "0012345678"), ("4890012345", "4890012345")],
)
def test_social_insurance_number_keeps_leading_zeros(value: str, expected: str) -> None:
    assert one("social_insurance_number", value) == ({"social_insurance_number": expected}, {})


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("123456789", "invalid_sin"),
        ("12345678901", "invalid_sin"),
        ("12345abcde", "invalid_sin"),
        ("١٢٣٤٥٦٧٨٩٠", "invalid_sin"),  # Arabic-Indic digits are digits to Python, not to BHXH
        ("0123456789\n0", "invalid_sin"),
        (123456789, "invalid_type"),  # a JSON number has already lost its leading zero
    ],
)
def test_bad_social_insurance_numbers(value: object, code: str) -> None:
    assert one("social_insurance_number", value)[1] == {("body", "social_insurance_number"): code}


@pytest.mark.parametrize(
    "value",
    [
        "0905123456",
        "84905123456",
        "+84905123456",
        "+84 905 123 456",
        "0905.123.456",
        "(+84) 905-123-456",
    ],
)
def test_phone_forms_give_e164(value: str) -> None:
    assert one("phone", value) == ({"phone": "+84905123456"}, {})


@pytest.mark.parametrize("value", ["0865123456", "0871234567", "0991234567", "0361234567"])
def test_current_mobile_prefixes_are_valid(value: str) -> None:
    assert one("phone", value) == ({"phone": "+84" + value[1:]}, {})


@pytest.mark.parametrize(
    "value",
    [
        "0521234567",  # not a mobile range (DOMAIN §8)
        "0551234567",
        "0236.3721163",  # Thanh Khê office: a landline, cannot receive the password SMS
        "01234567890",  # pre-2018 11-digit mobile
        "+1 650 253 0000",
        "090512345",
        "0905ABC456",
        "0905123456 ext 12",
        "+84+905123456",
    ],
)
def test_invalid_phones(value: str) -> None:
    assert one("phone", value)[1] == {("body", "phone"): "invalid_phone"}


# Two-digit NSN prefixes wholly inside libphonenumber's VN mobile pattern (DOMAIN §8).
_VALID_NSN_PREFIXES = ["90", "91", "93", "94", "96", "97", "98", "86", "88", "32", "70", "81"]


@given(
    prefix=st.sampled_from(_VALID_NSN_PREFIXES),
    rest=st.text(alphabet="0123456789", min_size=7, max_size=7),
    style=st.sampled_from(["0{}", "84{}", "+84{}", "+84 {}", "0{} "]),
)
def test_phone_normalisation_is_idempotent(prefix: str, rest: str, style: str) -> None:
    normalized = normalize_vn_mobile(style.format(prefix + rest))
    assert normalized == "+84" + prefix + rest
    assert normalize_vn_mobile(normalized) == normalized


@given(st.text(max_size=30))
def test_phone_normalisation_never_crashes(text: str) -> None:
    result = normalize_vn_mobile(text)
    assert result is None or (result.startswith("+84") and normalize_vn_mobile(result) == result)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("15/03/1990", "invalid_date"),
        ("1990-02-30", "invalid_date"),
        ("19900315", "invalid_date"),  # fromisoformat alone would take this
        ("1990-W11-4", "invalid_date"),
        ("1990-03-15T00:00:00", "invalid_date"),
        ("2025-10-02", "date_in_future"),
        ("1904-09-30", "implausible_age"),  # 121 years old
        (19900315, "invalid_type"),
    ],
)
def test_bad_birth_dates(value: object, code: str) -> None:
    assert one("date_of_birth", value)[1] == {("body", "date_of_birth"): code}


@pytest.mark.parametrize("value", ["2025-10-01", "1905-10-01", " 1990-03-15 ", date(1990, 3, 15)])
def test_plausible_birth_dates(value: object) -> None:
    values, errors = one("date_of_birth", value)
    assert errors == {}
    assert isinstance(values["date_of_birth"], date)


def test_issue_date_rules() -> None:
    future = normalize_fields({"id_document": {"issued_on": "2025-10-02"}}, today=TODAY)
    assert codes(future[1]) == {("body", "id_document", "issued_on"): "date_in_future"}
    before_birth = {"date_of_birth": "2001-07-09", "id_document": {"issued_on": "2001-07-09"}}
    errors = normalize_fields(before_birth, today=TODAY)[1]
    assert codes(errors) == {("body", "id_document", "issued_on"): "issued_before_birth"}


@pytest.mark.parametrize(("value", "expected"), [("male", "male"), (" Female ", "female")])
def test_gender(value: str, expected: str) -> None:
    assert one("gender", value) == ({"gender": expected}, {})


@pytest.mark.parametrize("value", ["nam", "Nữ", "m", "other"])
def test_bad_gender(value: str) -> None:
    assert one("gender", value)[1] == {("body", "gender"): "invalid_gender"}


def test_nationality_is_upper_case_iso_and_not_defaulted_in_drafts() -> None:
    assert one("nationality", " vn ") == ({"nationality": "VN"}, {})
    assert one("nationality", "US") == ({"nationality": "US"}, {})
    assert one("nationality", "VNM")[1] == {("body", "nationality"): "invalid_nationality"}
    assert one("nationality", "XX")[1] == {("body", "nationality"): "invalid_nationality"}
    assert "nationality" not in normalize_fields({"full_name": "Lê Ngọc Hân"}, today=TODAY)[0]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("hân.le@Ví-Dụ.VN", "hân.le@ví-dụ.vn"), ("  bao@example.com ", "bao@example.com"), ("", None)],
)
def test_email(value: str, expected: str | None) -> None:
    assert one("email", value) == ({"email": expected}, {})


@pytest.mark.parametrize("value", ["bao", "bao@", "bao@localhost", "bao@@example.com", "a b@c.vn"])
def test_bad_email(value: str) -> None:
    assert one("email", value)[1] == {("body", "email"): "invalid_email"}


def test_send_email_copy_must_be_a_boolean() -> None:
    assert one("send_email_copy", True) == ({"send_email_copy": True}, {})
    assert one("send_email_copy", "true")[1] == {("body", "send_email_copy"): "invalid_type"}
    assert one("send_email_copy", 1)[1] == {("body", "send_email_copy"): "invalid_type"}


def test_agency_code_format() -> None:
    assert one("agency_code", " 4802 ") == ({"agency_code": "4802"}, {})
    assert one("agency_code", "48O2")[1] == {("body", "agency_code"): "invalid_agency_code"}
    assert one("agency_code", 4802)[1] == {("body", "agency_code"): "invalid_type"}


@pytest.mark.parametrize(
    ("document", "nationality", "number"),
    [
        ({"type": "CCCD", "number": "048 090 900 101"}, None, "048090900101"),
        ({"type": "cccd", "number": "001090900101"}, None, "001090900101"),
        ({"type": "cmnd", "number": "201234567"}, None, "201234567"),
        ({"type": "cmnd", "number": "048090900101"}, None, "048090900101"),
        ({"type": "passport", "number": "c1234567"}, "VN", "C1234567"),
        ({"type": "passport", "number": "AB1234567"}, "FR", "AB1234567"),
        ({"type": "passport", "number": "AB1234567"}, None, "AB1234567"),
        ({"number": "201234567"}, None, "201234567"),  # type comes in a later PATCH
    ],
)
def test_id_numbers(document: dict[str, str], nationality: str | None, number: str) -> None:
    raw: dict[str, object] = {"id_document": document}
    if nationality:
        raw["nationality"] = nationality
    values, errors = normalize_fields(raw, today=TODAY)
    assert errors == []
    assert values["id_document"]["number"] == number  # type: ignore[index]


@pytest.mark.parametrize(
    ("document", "nationality", "detail"),
    [
        ({"type": "cccd", "number": "04809090010"}, None, "cccd"),
        ({"type": "cccd", "number": "04809090010A"}, None, "cccd"),
        ({"type": "cmnd", "number": "2012345678"}, None, "cmnd"),
        ({"type": "passport", "number": "AB123456"}, "VN", "passport_vn"),
        ({"type": "passport", "number": "A1234"}, "FR", "passport"),
        ({"type": "passport", "number": "AB12-34*5"}, "FR", "passport"),
        ({"number": "12345"}, None, "any"),
    ],
)
def test_bad_id_numbers(document: dict[str, str], nationality: str | None, detail: str) -> None:
    raw: dict[str, object] = {"id_document": document}
    if nationality:
        raw["nationality"] = nationality
    errors = normalize_fields(raw, today=TODAY)[1]
    assert codes(errors) == {("body", "id_document", "number"): "invalid_id_number"}
    assert errors[0].message == ID_NUMBER_DETAILS[detail]


def test_id_document_shape_errors() -> None:
    errors = normalize_fields(
        {"id_document": {"type": "bhyt", "number": 48090900101, "colour": "blue"}}, today=TODAY
    )[1]
    assert codes(errors) == {
        ("body", "id_document", "type"): "invalid_id_type",
        ("body", "id_document", "number"): "invalid_type",
        ("body", "id_document", "colour"): "unknown_field",
    }
    not_object = normalize_fields({"id_document": "048090900101"}, today=TODAY)
    assert not_object == ({}, [not_object[1][0]])
    assert not_object[1][0].code == "invalid_type"


def test_unknown_fields_are_reported_each() -> None:
    values, errors = normalize_fields(
        {"status": "verified", "ssn": "1", "gender": "male"}, today=TODAY
    )
    assert values == {"gender": "male"}
    assert codes(errors) == {("body", "status"): "unknown_field", ("body", "ssn"): "unknown_field"}


def test_every_field_error_at_once_and_valid_fields_kept() -> None:
    raw = {"phone": "0521234567", "gender": "x", "date_of_birth": "2030-01-01", "address": "ok"}
    values, errors = normalize_fields(raw, today=TODAY)
    assert values == {"address": "ok"}
    assert len(errors) == 3


def test_normalisation_is_idempotent_on_its_own_output() -> None:
    raw = draft_from_qr(QR_PEOPLE[2]) | {"phone": "84 865 123 456", "email": "han@example.vn"}
    first, errors = normalize_fields(raw, today=TODAY)
    assert errors == []
    assert normalize_fields(first, today=TODAY) == (first, [])


def test_merge_draft_is_merge_patch_with_nested_id_document() -> None:
    stored = {
        "full_name": "Lê Ngọc Hân",
        "email": "han@example.vn",
        "id_document": {"type": "cccd"},
    }
    changes = {"email": None, "id_document": {"number": "048301900103"}, "gender": "female"}
    assert merge_draft(stored, changes) == {
        "full_name": "Lê Ngọc Hân",
        "id_document": {"type": "cccd", "number": "048301900103"},
        "gender": "female",
    }
    assert merge_draft(stored, {"id_document": {"type": None}}) == {
        "full_name": "Lê Ngọc Hân",
        "email": "han@example.vn",
    }


def test_submit_defaults() -> None:
    assert apply_submit_defaults({}) == {"nationality": "VN", "send_email_copy": False}
    kept = {"nationality": "FR", "send_email_copy": True}
    assert apply_submit_defaults(kept) == kept


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
_KEYS = st.sampled_from(["full_name", "date_of_birth", "phone", "email", "id_document", "gender"])
_ID_DOCUMENTS = st.dictionaries(st.sampled_from(["type", "number", "issued_on", "x"]), _JSON)


@given(st.dictionaries(_KEYS | st.text(max_size=8), _JSON | _ID_DOCUMENTS, max_size=6))
def test_any_json_gives_errors_never_exceptions(raw: dict[str, object]) -> None:
    values, errors = normalize_fields(raw, today=TODAY)
    assert set(values) <= set(raw)
    for error in errors:
        assert error.loc[0] == "body"
        assert unicodedata.is_normalized("NFC", error.message)
        json.dumps(error.as_dict(), ensure_ascii=False).encode()  # no lone surrogates echoed


def test_unknown_field_names_are_shortened_and_made_encodable() -> None:
    errors = normalize_fields({"x" * 10_000: 1, "a\ud800": 2}, today=TODAY)[1]
    assert len(errors[0].message) < 100
    assert errors[1].loc == ("body", "a\ufffd")


def test_every_message_is_nfc_vietnamese() -> None:
    for text in [*TEMPLATES.values(), *ID_NUMBER_DETAILS.values()]:
        assert unicodedata.is_normalized("NFC", text)
    _, errors = normalize_fields(
        {"full_name": "1", "phone": "1", "email": "x", "foo": 1, "gender": "?"}, today=TODAY
    )
    assert errors
    for error in errors:
        assert unicodedata.is_normalized("NFC", error.message)
        assert error.message[0].isupper()
