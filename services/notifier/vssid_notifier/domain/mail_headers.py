"""The MIME headers every mail repeats, parsed and folded once per process.

The standard library parses each header into a structured object when it is set (the header
registry) and folds it again from that parse tree when the message is written: together
about half of the CPU of a mail. Most headers of the notifier's mails are the same in every
mail (the sender, MIME-Version, each part's Content-Type, Content-Transfer-Encoding and
Content-Disposition), so for those names the parsed header is remembered by its text, and the
wire policy remembers the bytes it folded for such a header. Headers that name a person or a
declaration (To, Subject, Date, Message-ID, the copy's file name) and the boundaries are
parsed and folded as usual.
Header objects are immutable (a change replaces the header), so sharing one is safe.
"""

from __future__ import annotations

import re
from email.policy import EmailPolicy
from typing import Any

_REPEATED = frozenset(
    {"from", "mime-version", "content-type", "content-transfer-encoding", "content-disposition"}
)
# A file name (the copy's carries its reference) or a boundary makes a header one mail's own.
_NAMES_ONE = re.compile(r"filename|boundary", re.IGNORECASE)
_CACHE_SIZE = 1_000  # distinct repeated headers: a handful in practice; cleared whole when full

_stored: dict[tuple[str, str], tuple[str, Any]] = {}
_kept: dict[int, Any] = {}  # id -> header, for every header in _stored (keeps the ids valid)
_folded: dict[tuple[int, int, str], bytes] = {}  # (policy id, header id, name) -> wire bytes


class MessagePolicy(EmailPolicy):
    """`email.policy.default`, remembering the parsed repeated headers."""

    def header_store_parse(self, name: str, value: Any) -> tuple[str, Any]:
        if type(value) is not str or name.lower() not in _REPEATED or _NAMES_ONE.search(value):
            return super().header_store_parse(name, value)
        stored = _stored.get((name, value))
        if stored is None:
            stored = super().header_store_parse(name, value)
            if len(_stored) >= _CACHE_SIZE:
                _stored.clear()
                _kept.clear()
                _folded.clear()  # the ids it is keyed by may be reused from now on
            _stored[(name, value)] = stored
            _kept[id(stored[1])] = stored[1]
        return stored


class WirePolicy(EmailPolicy):
    """An `EmailPolicy` remembering how it folded a header `MessagePolicy` remembered."""

    def fold_binary(self, name: str, value: str) -> bytes:
        if _kept.get(id(value)) is not value:
            return super().fold_binary(name, value)
        key = (id(self), id(value), name)
        folded = _folded.get(key)
        if folded is None:
            folded = _folded[key] = super().fold_binary(name, value)
        return folded


MESSAGE_POLICY = MessagePolicy()
