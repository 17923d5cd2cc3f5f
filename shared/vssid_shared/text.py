"""Vietnamese text normalisation: NFC at boundaries and a diacritic-free key for comparing names."""

import re
import unicodedata

_WHITESPACE = re.compile(r"\s+")
# Đ/đ are letters in their own right, not D plus a combining mark, so NFD leaves them alone.
_STROKED_D = str.maketrans({"đ": "d", "Đ": "d"})


def nfc(s: str) -> str:
    """Return `s` in Unicode NFC, the form every boundary of the system uses."""
    return unicodedata.normalize("NFC", s)


def name_key(s: str) -> str:
    """Return a comparison key: no diacritics, đ→d, casefolded, single spaces, trimmed.

    Old and new tone placement ("hoà" vs "hòa") differ even after NFC; both reduce to "hoa".
    """
    # Casefold before stripping marks: casefolding can itself produce combining marks ("İ").
    decomposed = unicodedata.normalize("NFD", s.translate(_STROKED_D).casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _WHITESPACE.sub(" ", bare).strip()
