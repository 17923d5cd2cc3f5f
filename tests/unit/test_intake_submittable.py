"""The submit check: missing fields and images, cross-field and CCCD structure rules (DOMAIN §2)."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vssid_intake.domain.agencies import Agency, AgencyCatalog
from vssid_intake.domain.cccd_number import Gender, parse_cccd
from vssid_intake.domain.errors import FieldError
from vssid_intake.domain.fields import IMAGE_KINDS, assess_submission, check_submittable

TODAY = date(2025, 10, 1)
ALL_IMAGES = set(IMAGE_KINDS)
CATALOG = AgencyCatalog.load()

# DOMAIN §10 synthetic people (FAKE), as (CCCD, name, birth, gender, issued_on).
PEOPLE = {
    "bao": ("048090900101", "Nguyễn Văn Bảo", "1990-03-15", "male", "2021-05-12"),
    "mai_anh": ("048185900102", "Trần Thị Mai Anh", "1985-11-02", "female", "2021-04-20"),
    "han": ("048301900103", "Lê Ngọc Hân", "2001-07-09", "female", "2024-10-15"),
    "khang": ("048202900104", "Võ Minh Khang", "2002-02-23", "male", "2025-08-05"),
    "loc": ("049078900105", "Phạm Văn Lộc", "1978-12-30", "male", "2022-06-18"),
}


def draft(person: str = "bao", **overrides: object) -> dict[str, object]:
    """A complete, valid draft (stored form: JSON-ish strings are fine, they are normalised)."""
    number, name, birth, gender, issued = PEOPLE[person]
    fields: dict[str, object] = {
        "full_name": name,
        "social_insurance_number": "4890012345",
        "date_of_birth": birth,
        "gender": gender,
        "id_document": {"type": "cccd", "number": number, "issued_on": issued},
        "address": "Tổ 5, Phường Chính Gián, Quận Thanh Khê, Đà Nẵng",
        "phone": "+84905123456",
        "agency_code": "4802",
    }
    fields.update(overrides)
    return fields


def check(
    fields: dict[str, object], images: set[str] = ALL_IMAGES
) -> dict[tuple[str | int, ...], str]:
    errors = check_submittable(fields, images, CATALOG, today=TODAY)
    return {e.loc: e.code for e in errors}


@pytest.mark.parametrize("person", sorted(PEOPLE))
def test_synthetic_people_can_submit(person: str) -> None:
    assessment = assess_submission(draft(person), ALL_IMAGES, CATALOG, today=TODAY)
    assert assessment.errors == []


def test_empty_draft_lists_every_missing_field_and_image_at_once() -> None:
    assert check({}, set()) == {
        ("body", "full_name"): "missing",
        ("body", "social_insurance_number"): "missing",
        ("body", "date_of_birth"): "missing",
        ("body", "gender"): "missing",
        ("body", "id_document", "type"): "missing",
        ("body", "id_document", "number"): "missing",
        ("body", "id_document", "issued_on"): "missing",
        ("body", "address"): "missing",
        ("body", "phone"): "missing",
        ("body", "agency_code"): "missing",
        ("images", "portrait"): "missing_image",
        ("images", "id_front"): "missing_image",
        ("images", "id_back"): "missing_image",
    }


def test_errors_follow_the_form_order() -> None:
    errors = check_submittable({}, set(), CATALOG, today=TODAY)
    assert [e.loc[1] for e in errors][:5] == [
        "full_name",
        "social_insurance_number",
        "date_of_birth",
        "gender",
        "id_document",
    ]
    assert [e.loc[0] for e in errors][-3:] == ["images"] * 3


@pytest.mark.parametrize("kind", IMAGE_KINDS)
def test_each_missing_image_is_reported(kind: str) -> None:
    assert check(draft(), ALL_IMAGES - {kind}) == {("images", kind): "missing_image"}


def test_nationality_and_email_copy_have_defaults() -> None:
    fields = draft()
    assert "nationality" not in fields
    assert "send_email_copy" not in fields
    assert check(fields) == {}


def test_a_baby_with_a_2024_can_cuoc_can_submit() -> None:
    # Since 1 Jul 2024 children under 14 may get a căn cước too: age 0 is plausible.
    document = {"type": "cccd", "number": "048324900111", "issued_on": "2024-09-01"}
    fields = draft(date_of_birth="2024-03-01", gender="female", id_document=document)
    assert check(fields) == {}


def test_email_required_only_when_a_copy_is_asked_for() -> None:
    assert check(draft(send_email_copy=True)) == {("body", "email"): "missing"}
    assert check(draft(send_email_copy=True, email="bao@example.vn")) == {}
    assert check(draft(send_email_copy=False)) == {}
    message = check_submittable(draft(send_email_copy=True), ALL_IMAGES, CATALOG, today=TODAY)
    assert "email" in message[0].message


@pytest.mark.parametrize("code", ["9999", "4899"])
def test_agency_must_be_in_the_catalog(code: str) -> None:
    assert check(draft(agency_code=code)) == {("body", "agency_code"): "unknown_agency"}


def test_agency_must_be_active_today() -> None:
    catalog = AgencyCatalog(
        [
            Agency("4802", "BHXH quận Thanh Khê", "48", valid_to=date(2025, 6, 30)),
            Agency("4808", "BHXH cơ sở Thanh Khê", "48", valid_from=date(2025, 7, 1)),
        ]
    )
    closed = check_submittable(draft(), ALL_IMAGES, catalog, today=TODAY)
    assert [e.code for e in closed] == ["unknown_agency"]
    assert check_submittable(draft(agency_code="4808"), ALL_IMAGES, catalog, today=TODAY) == []


def test_cccd_gender_digit_must_match_gender() -> None:
    assert check(draft("bao", gender="female")) == {
        ("body", "id_document", "number"): "cccd_mismatch_gender"
    }
    assert check(draft("mai_anh", gender="male")) == {
        ("body", "id_document", "number"): "cccd_mismatch_gender"
    }


@pytest.mark.parametrize(
    ("person", "birth"),
    [
        ("bao", "1991-03-15"),  # YY 90 against 1991
        ("mai_anh", "1986-11-02"),
        ("han", "2011-07-09"),
        ("khang", "2003-02-23"),
        ("loc", "1979-12-30"),
    ],
)
def test_cccd_year_digits_must_match_birth_year(person: str, birth: str) -> None:
    assert check(draft(person, date_of_birth=birth)) == {
        ("body", "id_document", "number"): "cccd_mismatch_birth_year"
    }


@pytest.mark.parametrize(
    ("number", "birth", "gender"),
    [
        ("048320900107", "1920-05-01", "female"),  # digit 3 = 2000s, born in the 1900s
        ("048220900108", "1920-05-01", "male"),  # digit 2 = 2000s
        ("048020900109", "2020-05-01", "male"),  # digit 0 = 1900s, born in the 2000s
        ("048101900110", "2001-07-09", "female"),  # Hân's YY with the 1900s digit
    ],
)
def test_cccd_century_digit_must_match_birth_century(number: str, birth: str, gender: str) -> None:
    document = {"type": "cccd", "number": number, "issued_on": "2024-10-15"}
    fields = draft(date_of_birth=birth, gender=gender, id_document=document)
    assert check(fields) == {("body", "id_document", "number"): "cccd_mismatch_birth_year"}


def test_mismatch_messages_say_what_the_number_encodes() -> None:
    fields = draft("han", date_of_birth="2011-07-09", gender="male")
    errors = check_submittable(fields, ALL_IMAGES, CATALOG, today=TODAY)
    messages = {e.code: e.message for e in errors}
    assert "nữ" in messages["cccd_mismatch_gender"]
    assert "2001" in messages["cccd_mismatch_birth_year"]
    assert all(unicodedata.is_normalized("NFC", m) for m in messages.values())


def test_unknown_province_is_not_an_error() -> None:
    fields = draft(
        id_document={"type": "cccd", "number": "100090900101", "issued_on": "2021-05-12"}
    )
    assessment = assess_submission(fields, ALL_IMAGES, CATALOG, today=TODAY)
    assert assessment.errors == []


def test_cmnd_and_passport_are_not_held_to_cccd_structure() -> None:
    cmnd = {"type": "cmnd", "number": "201234567", "issued_on": "2010-01-05"}
    assert check(draft(gender="female", id_document=cmnd)) == {}
    passport = {"type": "passport", "number": "C1234567", "issued_on": "2020-01-05"}
    assert check(draft(id_document=passport)) == {}


def test_vietnamese_passport_format_applies_with_the_default_nationality() -> None:
    foreign = {"type": "passport", "number": "AB1234567", "issued_on": "2020-01-05"}
    assert check(draft(id_document=foreign)) == {
        ("body", "id_document", "number"): "invalid_id_number"
    }
    assert check(draft(id_document=foreign, nationality="FR")) == {}


def test_issue_date_must_follow_birth_and_not_be_in_the_future() -> None:
    early = {"type": "cccd", "number": "048090900101", "issued_on": "1989-01-01"}
    assert check(draft(id_document=early)) == {
        ("body", "id_document", "issued_on"): "issued_before_birth"
    }
    khang_card = check_submittable(draft("khang"), ALL_IMAGES, CATALOG, today=date(2025, 8, 4))
    assert [(e.loc, e.code) for e in khang_card] == [
        (("body", "id_document", "issued_on"), "date_in_future")
    ]


def test_invalid_stored_values_are_reported_once_not_as_missing() -> None:
    assert check(draft(phone="0521234567", gender="nam")) == {
        ("body", "gender"): "invalid_gender",
        ("body", "phone"): "invalid_phone",
    }


def test_invalid_email_with_copy_is_one_error() -> None:
    assert check(draft(send_email_copy=True, email="bao@")) == {("body", "email"): "invalid_email"}


def test_id_document_of_the_wrong_type_is_one_error() -> None:
    assert check(draft(id_document="048090900101")) == {("body", "id_document"): "invalid_type"}


def test_keys_outside_the_declaration_are_ignored() -> None:
    assert check(draft(status="draft", id="abc", access_token_hash="x")) == {}


def test_partial_id_document_reports_each_missing_part() -> None:
    assert check(draft(id_document={"type": "cccd"})) == {
        ("body", "id_document", "number"): "missing",
        ("body", "id_document", "issued_on"): "missing",
    }


def test_stored_dates_as_datetimes_are_accepted() -> None:
    from datetime import datetime

    assert check(draft(date_of_birth=datetime(1990, 3, 15))) == {}


def test_field_errors_serialise_to_the_contract_shape() -> None:
    error = check_submittable({}, set(), CATALOG, today=TODAY)[0]
    assert isinstance(error, FieldError)
    assert error.as_dict() == {
        "loc": ["body", "full_name"],
        "code": "missing",
        "message": "Vui lòng cung cấp họ và tên.",
    }


def birth_digits(birth: date, gender: Gender) -> str:
    """DOMAIN §2's GYY digits, written out here: G is 0/1 for the 1900s, 2/3 for the 2000s..."""
    century_digit = 2 * ((birth.year - 1900) // 100) + (0 if gender == "male" else 1)
    return f"{century_digit}{birth.year % 100:02d}"


@given(
    birth=st.dates(min_value=date(1905, 1, 1), max_value=TODAY),
    gender=st.sampled_from(["male", "female"]),
    tail=st.text(alphabet="0123456789", min_size=6, max_size=6),
)
def test_any_consistent_cccd_passes_and_flipped_gender_fails(
    birth: date, gender: Gender, tail: str
) -> None:
    number = "048" + birth_digits(birth, gender) + tail
    parts = parse_cccd(number)
    assert parts is not None
    assert (parts.birth_year, parts.gender) == (birth.year, gender)
    issued = max(birth, date(2016, 1, 1)).isoformat()
    document = {"type": "cccd", "number": number, "issued_on": issued}
    fields = draft(date_of_birth=birth.isoformat(), gender=gender, id_document=document)
    if issued == birth.isoformat():
        return  # born on the issue date: a different rule, tested above
    assert check(fields) == {}
    other = "female" if gender == "male" else "male"
    assert check(fields | {"gender": other}) == {
        ("body", "id_document", "number"): "cccd_mismatch_gender"
    }


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=15),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)


@given(
    replaced=st.dictionaries(st.sampled_from(sorted(draft())), _JSON, max_size=4),
    images=st.sets(st.sampled_from(IMAGE_KINDS)),
)
def test_any_stored_garbage_gives_errors_never_exceptions(
    replaced: dict[str, object], images: set[str]
) -> None:
    assessment = assess_submission(draft() | replaced, images, CATALOG, today=TODAY)
    reported = [(e.loc, e.code) for e in assessment.errors]
    assert len(reported) == len(set(reported))  # nothing is reported twice
    if not replaced and images == ALL_IMAGES:
        assert assessment.errors == []


def test_unknown_keys_differing_only_in_invisible_characters_are_reported_once() -> None:
    """Found by the property test above: both keys echo as "0\ufffd"."""
    fields = draft() | {"id_document": {"0\x1f": None, "0\x1e": None}}
    assessment = assess_submission(fields, ALL_IMAGES, CATALOG, today=TODAY)
    unknown = [e for e in assessment.errors if e.code == "unknown_field"]
    assert len(unknown) == 1
