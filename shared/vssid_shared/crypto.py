"""Encryption at rest and in events (AES-GCM), keyed hashes for lookups, opaque tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

if TYPE_CHECKING:
    from vssid_shared.data_keys import DataKeyRing

_NONCE = 12


def derive_key(secret: str, purpose: str) -> bytes:
    """One key per purpose, so a key leaked from one use opens nothing else."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"vssid-v1", info=purpose.encode())
    return hkdf.derive(secret.encode())


class Sealer:
    """AES-GCM with the record id as associated data, so a blob cannot be moved to another."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def seal_bytes(self, plain: bytes, aad: str) -> bytes:
        nonce = os.urandom(_NONCE)
        return nonce + self._aead.encrypt(nonce, plain, aad.encode())

    def open_bytes(self, blob: bytes, aad: str) -> bytes:
        return self._aead.decrypt(blob[:_NONCE], blob[_NONCE:], aad.encode())

    def seal_json(self, value: Any, aad: str) -> str:
        plain = json.dumps(value, ensure_ascii=False, default=str).encode()
        return base64.b64encode(self.seal_bytes(plain, aad)).decode()

    def open_json(self, sealed: str, aad: str) -> Any:
        return json.loads(self.open_bytes(base64.b64decode(sealed), aad))


class KeyedHasher:
    """Deterministic HMAC for equality lookups on personal data without storing it."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def __call__(self, value: str) -> str:
        return hmac.new(self._key, value.encode(), hashlib.sha256).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """Tokens carry 256 bits of entropy: a fast hash is enough, unlike passwords."""
    return hashlib.sha256(token.encode()).hexdigest()


class Keys:
    """All keys of a service, derived once from the configured secret."""

    def __init__(self, secret: str) -> None:
        self.records = Sealer(derive_key(secret, "records-at-rest"))
        self.images = Sealer(derive_key(secret, "images-at-rest"))
        self.events = Sealer(derive_key(secret, "event-payloads"))
        self.passwords = Sealer(derive_key(secret, "initial-password-to-notifier"))
        self.lookup = KeyedHasher(derive_key(secret, "lookup-hash"))
        # Per-declaration data keys (shredding.py), attached by Runtime.create; None in unit
        # tests of domain logic, where everything seals under the service key.
        self.data: DataKeyRing | None = None
