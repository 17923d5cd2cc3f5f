"""Normalisation of (partial) declaration drafts: one clean value or one error per field.

Conventions, shared with the API that stores drafts:
- a field absent from the input is left alone; `null` or an empty/blank string means "clear it"
  and comes back as None (see `merge_draft`);
- the output holds only fields that were valid; invalid ones appear solely as FieldError;
- nationality and send_email_copy get their defaults ("VN", False) only at submit
  (`apply_submit_defaults`), so a partial PATCH never overwrites an earlier choice.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from vssid_intake.domain import field_rules as rules
from vssid_intake.domain.countries import DEFAULT_NATIONALITY
from vssid_intake.domain.dates import issued_date_problem
from vssid_intake.domain.errors import FieldError, InvalidValueError, Loc
from vssid_intake.domain.messages import EXPECTED, error
from vssid_intake.domain.text import safe_echo

TOP_LEVEL: dict[str, rules.Normalizer] = {
    "full_name": rules.full_name,
    "social_insurance_number": rules.social_insurance_number,
    "date_of_birth": rules.birth_date,
    "gender": rules.gender,
    "nationality": rules.nationality,
    "address": rules.address,
    "phone": rules.phone,
    "email": rules.email,
    "agency_code": rules.agency_code,
    "send_email_copy": rules.send_email_copy,
}
ID_DOCUMENT = "id_document"
ID_DOCUMENT_FIELDS: tuple[str, ...] = ("type", "number", "issued_on", "issued_by")
DECLARATION_FIELDS: tuple[str, ...] = (*TOP_LEVEL, ID_DOCUMENT)


def normalize_fields(
    raw: Mapping[str, object], *, today: date
) -> tuple[dict[str, object], list[FieldError]]:
    """Clean every field present in `raw`; return the clean values and one error per bad field."""
    out: dict[str, object] = {}
    errors: list[FieldError] = []
    for key, value in raw.items():
        loc: Loc = ("body", key)
        if key == ID_DOCUMENT:
            document, document_errors = _normalize_id_document(value, raw, today)
            errors.extend(document_errors)
            if document is not None or value is None:
                out[key] = document
        elif key not in TOP_LEVEL:
            errors.append(error(_unknown_loc(loc), "unknown_field", name=safe_echo(key)))
        elif value is None:
            out[key] = None
        else:
            try:
                out[key] = TOP_LEVEL[key](value, today)
            except InvalidValueError as exc:
                errors.append(error(loc, exc.code, **exc.values))
    errors.extend(_issued_after_birth(out, today))
    return out, _once_each(errors)


def _once_each(errors: list[FieldError]) -> list[FieldError]:
    """Drop repeats of a (loc, code): unknown keys that differ only in invisible characters are
    echoed with the same replacement character, and one line about them is enough."""
    seen: set[tuple[object, str]] = set()
    unique = []
    for item in errors:
        if (item.loc, item.code) not in seen:
            seen.add((item.loc, item.code))
            unique.append(item)
    return unique


def _normalize_id_document(
    value: object, raw: Mapping[str, object], today: date
) -> tuple[dict[str, object] | None, list[FieldError]]:
    base: Loc = ("body", ID_DOCUMENT)
    if value is None:
        return None, []
    if not isinstance(value, Mapping):
        return None, [error(base, "invalid_type", expected=EXPECTED["object"])]
    document: dict[str, object] = {}
    errors: list[FieldError] = []
    # The type decides the number's format, so it is cleaned first.
    for key in sorted(value, key=lambda k: (k != "type", str(k))):
        loc: Loc = (*base, key)
        item = value[key]
        if key not in ID_DOCUMENT_FIELDS:
            errors.append(error(_unknown_loc(loc), "unknown_field", name=safe_echo(key)))
            continue
        try:
            document[key] = None if item is None else _id_field(key, item, document, raw, today)
        except InvalidValueError as exc:
            errors.append(error(loc, exc.code, **exc.values))
    return document, errors


def _id_field(
    key: str, item: object, document: Mapping[str, object], raw: Mapping[str, object], today: date
) -> object:
    if key == "type":
        return rules.id_type(item, today)
    if key == "number":
        kind = document.get("type")
        return rules.id_number(item, today, kind if isinstance(kind, str) else None, _country(raw))
    if key == "issued_on":
        return rules.past_date(item, today)
    return rules.issued_by(item, today)


def _country(raw: Mapping[str, object]) -> str | None:
    """The nationality given alongside, if valid; unknown means "any passport format"."""
    value = raw.get("nationality")
    try:
        country = rules.nationality(value, date.min) if value is not None else None
    except InvalidValueError:
        return None
    return country if isinstance(country, str) else None


def _unknown_loc(loc: Loc) -> Loc:
    # The unknown key is echoed back in `loc`; it must survive JSON encoding.
    return (*loc[:-1], safe_echo(loc[-1], limit=100))


def _issued_after_birth(values: Mapping[str, object], today: date) -> list[FieldError]:
    document = values.get(ID_DOCUMENT)
    birth = values.get("date_of_birth")
    issued = document.get("issued_on") if isinstance(document, Mapping) else None
    if not isinstance(birth, date) or not isinstance(issued, date):
        return []
    problem = issued_date_problem(issued, today, birth)
    return [error(("body", ID_DOCUMENT, "issued_on"), problem)] if problem else []


def merge_draft(stored: Mapping[str, object], changes: Mapping[str, object]) -> dict[str, object]:
    """Apply normalised `changes` to a stored draft, JSON-merge-patch style (RFC 7386).

    None removes a field; id_document is merged key by key, so a PATCH may send only its number.
    """
    merged = dict(stored)
    for key, value in changes.items():
        if key == ID_DOCUMENT and isinstance(value, Mapping):
            previous = stored.get(key)
            document = dict(previous) if isinstance(previous, Mapping) else {}
            document.update(value)
            value = {k: v for k, v in document.items() if v is not None} or None
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def apply_submit_defaults(fields: Mapping[str, object]) -> dict[str, object]:
    """The draft with defaults for the two fields that have one: nationality and email copy."""
    out = dict(fields)
    if out.get("nationality") is None:
        out["nationality"] = DEFAULT_NATIONALITY
    if out.get("send_email_copy") is None:
        out["send_email_copy"] = False
    return out
