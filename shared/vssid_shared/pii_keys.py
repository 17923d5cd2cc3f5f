"""Document ids derived from personal numbers: keyed HMACs, so MongoDB never holds the number.

Every service that finds an account or a registry row by social-insurance number computes the
same id from the same root secret; each collection has its own prefix, so the ids of one person
in two collections do not match each other for someone reading the database without the key.
"""

from __future__ import annotations

from vssid_shared.crypto import Keys


def account_id(keys: Keys, social_insurance_number: str) -> str:
    """`accounts._id` (and `sessions.account`) for this social-insurance number."""
    return keys.lookup(f"account:{social_insurance_number}")


def registry_id(keys: Keys, social_insurance_number: str) -> str:
    """`registry._id` for this social-insurance number; also the sealed record's bound id."""
    return keys.lookup(f"registry:{social_insurance_number}")
