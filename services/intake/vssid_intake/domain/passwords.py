"""Initial passwords and their slow salted hashes (argon2id)."""

from __future__ import annotations

import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# No look-alikes (0/O, 1/l/I): the password is read off an SMS and typed on a phone.
ALPHABET = "23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
INITIAL_LENGTH = 10
MIN_LENGTH = 8
_HASHER = PasswordHasher()  # argon2id with the library's current recommended cost


def new_initial_password() -> str:
    while True:
        candidate = "".join(secrets.choice(ALPHABET) for _ in range(INITIAL_LENGTH))
        # At least one digit and one letter, so provider filters never take it for a number.
        if re.search(r"\d", candidate) and re.search(r"[A-Za-z]", candidate):
            return candidate


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored_hash, password)
    except (VerificationError, InvalidHashError, UnicodeEncodeError):
        return False  # a lone surrogate (from JSON "\ud800") is no stored password


def password_problem(new: str, old: str) -> str | None:
    """A Vietnamese reason the new password is refused, or None."""
    if len(new) < MIN_LENGTH:
        return f"Mật khẩu mới phải có ít nhất {MIN_LENGTH} ký tự."
    if not _encodable(new):
        return "Mật khẩu mới chứa ký tự không hợp lệ."
    if any(ch.isspace() for ch in new):
        return "Mật khẩu mới không được chứa khoảng trắng."
    if new == old:
        return "Mật khẩu mới phải khác mật khẩu cũ."
    return None


def _encodable(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True
