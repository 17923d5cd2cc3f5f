"""Sealing (AES-GCM bound to a record id), keyed lookup hashes and token hashing."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidTag

from vssid_shared.crypto import Keys, token_hash


def test_sealed_json_round_trips_vietnamese_text() -> None:
    keys = Keys("x" * 40)
    value = {"full_name": "Nguyễn Văn Bảo", "number": "048090900101"}
    sealed = keys.records.seal_json(value, "decl-1")
    assert "048090900101" not in sealed
    assert keys.records.open_json(sealed, "decl-1") == value


def test_a_sealed_blob_cannot_be_moved_to_another_record() -> None:
    keys = Keys("x" * 40)
    sealed = keys.records.seal_json({"a": 1}, "decl-1")
    with pytest.raises(InvalidTag):
        keys.records.open_json(sealed, "decl-2")


def test_purposes_have_separate_keys() -> None:
    keys = Keys("x" * 40)
    sealed = keys.passwords.seal_json({"password": "p"}, "d")
    with pytest.raises(InvalidTag):
        keys.events.open_json(sealed, "d")


def test_lookup_hash_is_deterministic_and_keyed() -> None:
    assert Keys("a" * 40).lookup("048090900101") == Keys("a" * 40).lookup("048090900101")
    assert Keys("a" * 40).lookup("048090900101") != Keys("b" * 40).lookup("048090900101")


def test_token_hash_hides_the_token_and_tells_tokens_apart() -> None:
    tokens = [f"secret-token-{n}" for n in range(50)]
    hashes = [token_hash(t) for t in tokens]
    assert len(set(hashes)) == len(tokens)  # a constant, or a truncation, would collide
    assert [token_hash(t) for t in tokens] == hashes  # the same token finds its hash again
    assert all(len(h) == 64 and int(h, 16) >= 0 for h in hashes)
    assert not any(t in h or t.encode().hex() in h for t, h in zip(tokens, hashes, strict=True))
