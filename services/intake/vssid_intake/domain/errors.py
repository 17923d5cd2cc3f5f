"""Validation outcomes shared by intake's pure domain rules: field errors and image refusals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Loc = tuple[str | int, ...]
Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class FieldError:
    """One problem with one field; `message` is Vietnamese (NFC) and shown to the applicant.

    A `warning` never blocks submission (e.g. a CCCD province code outside the 63-code table,
    which is legitimate for people born abroad); it is surfaced so staff and applicants see it.
    """

    loc: Loc
    code: str
    message: str
    severity: Severity = "error"

    def as_dict(self) -> dict[str, object]:
        """The JSON shape of CONTRACT §3 (`severity` only when it is not an error)."""
        out: dict[str, object] = {"loc": list(self.loc), "code": self.code, "message": self.message}
        if self.severity != "error":
            out["severity"] = self.severity
        return out


class ImageRejected(Exception):  # noqa: N818 (the name other services import)
    """An upload that cannot be stored; `status` is the HTTP status the API should answer."""

    def __init__(self, status: Literal[413, 415, 422], code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"ImageRejected({self.status}, {self.code!r}, {self.message!r})"
