"""`Authorization: Bearer <token>`: declaration access tokens and login session tokens alike."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header

from vssid_intake.errors import IntakeError


class UnauthorizedError(IntakeError):
    status = 401
    code = "unauthorized"
    message = "Thiếu mã truy cập (Authorization: Bearer ...)."


def bearer(authorization: Annotated[str | None, Header()] = None) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise UnauthorizedError
    return token.strip()


Token = Annotated[str, Depends(bearer)]
