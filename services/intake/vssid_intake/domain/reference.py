"""Human-friendly declaration references: agency-prefixed, no look-alike characters."""

from __future__ import annotations

import secrets

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: a clerk reads these aloud and types them back.
ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
LENGTH = 6


def new_reference(agency_code: str) -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return f"{agency_code}-{body}"
