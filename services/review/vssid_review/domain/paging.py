"""The review queue's pages (CONTRACT §4): opaque keyset cursors and what `q` is looked up by."""

from __future__ import annotations

import base64
import binascii
import re

from vssid_review.domain.cases import name_hash
from vssid_review.domain.errors import BadCursorError
from vssid_shared.crypto import Keys

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
_CURSOR_PREFIX = "v1:"
_NOT_DIGITS = re.compile(r"[\s.\-]")


def encode_cursor(key: str) -> str:
    """Opaque to clients: they hand it back, never build one (the key's form may change)."""
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{key}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise BadCursorError from exc
    if not raw.startswith(_CURSOR_PREFIX) or len(raw) > 200:
        raise BadCursorError
    return raw.removeprefix(_CURSOR_PREFIX)


def search_hashes(keys: Keys, q: str) -> dict[str, str]:
    """The keyed hashes a search text is compared by: as a name, and as an ID number when it
    is one. Cases store only these hashes, so the clear name and number never reach a query."""
    hashes: dict[str, str] = {}
    by_name = name_hash(keys, q)
    if by_name:
        hashes["name_hash"] = by_name
    digits = _NOT_DIGITS.sub("", q)
    if digits.isdigit():
        hashes["id_number_hash"] = keys.lookup(digits)
    return hashes
