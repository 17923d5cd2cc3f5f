"""Staff sign-in rules: logins, generated passwords (argon2id), TOTP codes accepted once.

A TOTP code is accepted once: the time step it was accepted in is kept (see
`adapters/staff_credentials`), and a code of that step or an earlier one is refused (replay).
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

ISSUER = "VssID BHXH"
# No look-alikes (0/O, 1/l/I): the password is read off a terminal and typed by a person.
ALPHABET = "23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
PASSWORD_LENGTH = 16
LOGIN = re.compile(r"\A[a-z0-9][a-z0-9._-]{2,63}\Z")
_HASHER = PasswordHasher()  # argon2id, the library's recommended cost (as intake's)
# A hash of a random password: a sign-in for an unknown login still pays one argon2 check,
# so the answer's timing does not tell which logins exist.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class Enrolment:
    login: str
    password: str
    totp_secret: str

    @property
    def otpauth_uri(self) -> str:
        return pyotp.TOTP(self.totp_secret).provisioning_uri(name=self.login, issuer_name=ISSUER)


def default_login(name: str, agency_code: str) -> str:
    """ "Nguyễn Văn B" of 4802 → "nguyenvanb.4802" (accents dropped, đ → d)."""
    plain = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    letters = "".join(c for c in plain if c.isascii() and c.isalnum()).lower()
    return f"{letters or 'canbo'}.{agency_code}"


def new_password() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(PASSWORD_LENGTH))


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def check_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError, UnicodeEncodeError):
        return False


def totp_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """The time step `code` is valid for (the current one or the one before, for clock drift
    and typing time), or None when it is wrong or was already used."""
    if not re.fullmatch(r"[0-9]{6}", code):  # ASCII digits only (\d also takes ١٢٣…)
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // totp.interval
    for step in (current, current - 1):
        if last_step is not None and step <= last_step:
            continue
        if secrets.compare_digest(totp.at(step * totp.interval), code):
            return step
    return None


@dataclass(frozen=True)
class SignInPolicy:
    """Failed sign-ins tolerated in `window`: per login, and per client address."""

    max_failures: int
    client_max_failures: int
    window: timedelta
