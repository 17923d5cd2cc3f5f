"""Vietnamese mobile numbers: accept 0/84/+84 forms, store E.164 (DOMAIN §8)."""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

# Only digits and the separators people type; phonenumbers alone would also accept letters
# (vanity numbers) and extensions, neither of which can receive an SMS.
_TYPED_PHONE = re.compile(r"^\(?\+?[\d\s.\-()]{8,24}$", re.ASCII)


def normalize_vn_mobile(raw: str) -> str | None:
    """The E.164 form (`+84905123456`) of a Vietnamese mobile number, or None if it is not one.

    Validity comes from libphonenumber's VN metadata (type MOBILE), not from a prefix list that
    would go stale when carriers get new ranges. Idempotent: an E.164 result parses to itself.
    """
    text = raw.strip()
    if not _TYPED_PHONE.fullmatch(text):
        return None
    try:
        number = phonenumbers.parse(text, "VN")
    except NumberParseException:
        return None
    if number.extension or phonenumbers.region_code_for_number(number) != "VN":
        return None
    if phonenumbers.number_type(number) != PhoneNumberType.MOBILE:
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)
