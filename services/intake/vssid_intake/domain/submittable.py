"""The submit check ("Gửi"): every missing or invalid field and image, in one answer."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date

from vssid_intake.domain.agencies import AgencyCatalog
from vssid_intake.domain.cccd_number import CccdParts, parse_cccd
from vssid_intake.domain.drafts import (
    DECLARATION_FIELDS,
    ID_DOCUMENT,
    apply_submit_defaults,
    normalize_fields,
)
from vssid_intake.domain.errors import FieldError
from vssid_intake.domain.messages import error, message

IMAGE_KINDS: tuple[str, ...] = ("portrait", "id_front", "id_back")
REQUIRED_FIELDS: tuple[str, ...] = (
    "full_name",
    "social_insurance_number",
    "date_of_birth",
    "gender",
    "address",
    "phone",
    "agency_code",
)
REQUIRED_ID_FIELDS: tuple[str, ...] = ("type", "number", "issued_on")
_SEX_LABEL = {"male": "nam", "female": "nữ"}
# Errors are listed in the order the form asks for the fields, then the photos.
FORM_ORDER: tuple[str, ...] = (
    "full_name",
    "social_insurance_number",
    "date_of_birth",
    "gender",
    "nationality",
    ID_DOCUMENT,
    "address",
    "phone",
    "email",
    "agency_code",
    "send_email_copy",
    *IMAGE_KINDS,
)
_ORDER = {name: i for i, name in enumerate(FORM_ORDER)}
_NUMBER_LOC = ("body", ID_DOCUMENT, "number")


@dataclass
class SubmitAssessment:
    """Every blocking error (422 when any)."""

    errors: list[FieldError] = field(default_factory=list)


def check_submittable(
    fields: Mapping[str, object],
    image_kinds: Collection[str],
    agencies: AgencyCatalog,
    *,
    today: date,
) -> list[FieldError]:
    """Every reason the draft cannot be submitted yet; empty when it can."""
    return assess_submission(fields, image_kinds, agencies, today=today).errors


def assess_submission(
    fields: Mapping[str, object],
    image_kinds: Collection[str],
    agencies: AgencyCatalog,
    *,
    today: date,
) -> SubmitAssessment:
    """The errors of a stored draft (normalised values or raw JSON alike).

    Keys outside the declaration (an id, a status) are ignored rather than reported, since the
    caller may pass a whole stored document.
    """
    known = {key: value for key, value in fields.items() if key in DECLARATION_FIELDS}
    values, errors = normalize_fields(apply_submit_defaults(known), today=today)
    # A field already reported as invalid (or inside an invalid id_document) is not also missing.
    reported = {e.loc for e in errors}
    errors += [
        e
        for e in (*_missing(values), *_email_rule(values))
        if not any(e.loc[: len(loc)] == loc for loc in reported)
    ]
    errors += [
        error(("images", kind), "missing_image") for kind in IMAGE_KINDS if kind not in image_kinds
    ]
    errors += _agency_rule(values, agencies, today)
    errors += _cccd_rules(values)
    errors.sort(key=lambda e: _ORDER.get(str(e.loc[1]), len(_ORDER)) if len(e.loc) > 1 else 0)
    return SubmitAssessment(errors=errors)


def _missing(values: Mapping[str, object]) -> list[FieldError]:
    found = [error(("body", name), "missing") for name in REQUIRED_FIELDS if not values.get(name)]
    document = values.get(ID_DOCUMENT)
    document = document if isinstance(document, Mapping) else {}
    found += [
        error(("body", ID_DOCUMENT, name), "missing")
        for name in REQUIRED_ID_FIELDS
        if not document.get(name)
    ]
    return found


def _email_rule(values: Mapping[str, object]) -> list[FieldError]:
    if values.get("send_email_copy") is True and not values.get("email"):
        return [FieldError(("body", "email"), "missing", message("email_required"))]
    return []


def _agency_rule(
    values: Mapping[str, object], agencies: AgencyCatalog, today: date
) -> list[FieldError]:
    code = values.get("agency_code")
    if isinstance(code, str) and code and not agencies.is_active(code, today):
        return [error(("body", "agency_code"), "unknown_agency", agency=code)]
    return []


def _cccd_rules(values: Mapping[str, object]) -> list[FieldError]:
    """DOMAIN §2: G and YY must agree with birth date and gender; an unknown PPP (born abroad)
    is no error."""
    document = values.get(ID_DOCUMENT)
    if not isinstance(document, Mapping) or document.get("type") != "cccd":
        return []
    number = document.get("number")
    parts = parse_cccd(number) if isinstance(number, str) else None
    if parts is None:
        return []
    return _cccd_mismatches(parts, values)


def _cccd_mismatches(parts: CccdParts, values: Mapping[str, object]) -> list[FieldError]:
    errors: list[FieldError] = []
    gender, birth = values.get("gender"), values.get("date_of_birth")
    if gender in _SEX_LABEL and gender != parts.gender:
        sex = _SEX_LABEL[parts.gender]
        errors.append(error(_NUMBER_LOC, "cccd_mismatch_gender", digit=parts.digits[3], sex=sex))
    if isinstance(birth, date) and birth.year != parts.birth_year:
        errors.append(
            error(
                _NUMBER_LOC,
                "cccd_mismatch_birth_year",
                year=birth.year,
                digits=parts.digits[3:6],
                encoded=parts.birth_year,
            )
        )
    return errors
