"""Text clean-up for typed values: NFC, collapsed whitespace, no invisible characters."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# Control, format (zero-width, BOM), surrogate, private-use and unassigned code points:
# invisible in a form, break exact comparison with QR data, and lone surrogates cannot even be
# encoded to UTF-8 for storage.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
_NAME_PUNCTUATION = frozenset("'-.\u2019")  # \u2019: the apostrophe phones type


def clean_text(value: str) -> str:
    """NFC-normalise, turn every run of whitespace into one space and trim the ends."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()


def has_forbidden_chars(value: str) -> bool:
    """True when the text holds a character nobody can see or type on purpose."""
    return any(unicodedata.category(ch) in _FORBIDDEN_CATEGORIES for ch in value)


def safe_echo(value: object, limit: int = 40) -> str:
    """Input text fit to be quoted back: NFC, invisible or unencodable characters replaced by
    U+FFFD (a lone surrogate would make the JSON answer itself fail to encode), and shortened."""
    text = unicodedata.normalize("NFC", str(value))
    text = "".join(
        "\ufffd" if unicodedata.category(ch) in _FORBIDDEN_CATEGORIES else ch for ch in text
    )
    return text if len(text) <= limit else text[:limit] + "…"


def is_plausible_name(value: str) -> bool:
    """Letters (any script, with combining marks), spaces and ' - . only; at least one letter."""
    has_letter = False
    for ch in value:
        category = unicodedata.category(ch)
        if category.startswith("L"):
            has_letter = True
        elif not (category.startswith("M") or ch == " " or ch in _NAME_PUNCTUATION):
            return False
    return has_letter
