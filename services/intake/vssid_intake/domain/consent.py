"""Consent to process personal data (Law 91/2025/QH15): versioned texts as data, the draft's
consent record, and the submit rule (422 `consent_required` without the current version).

The applicant sends only `{"version", "accepted"}`; intake stamps the time and client address
itself, so what is recorded is provable and cannot be back-dated by a client.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from typing import Any

from vssid_intake.domain.errors import FieldError

FIELD = "consent"
LOC = ("body", FIELD)
MESSAGES = {
    "consent_required": (
        "Vui lòng đọc và đồng ý với nội dung xử lý dữ liệu cá nhân (phiên bản {version}) "
        "trước khi gửi tờ khai."
    ),
    "invalid_consent": (
        'Sự đồng ý phải có dạng {{"version": "<phiên bản>", "accepted": true hoặc false}}.'
    ),
    "unknown_consent_version": "Phiên bản nội dung đồng ý «{version}» không tồn tại.",
}


@dataclass(frozen=True)
class ConsentText:
    version: str
    effective_from: date
    vi: str
    en: str

    def public(self) -> dict[str, Any]:
        return {"version": self.version, "text": {"vi": self.vi, "en": self.en}}


class ConsentCatalog:
    """Every consent text ever shown, so an old version on a draft stays explainable."""

    def __init__(self, texts: list[ConsentText]) -> None:
        self._texts = {t.version: t for t in texts}
        self._ordered = sorted(texts, key=lambda t: t.effective_from)

    @classmethod
    def load(cls) -> ConsentCatalog:
        raw = resources.files("vssid_intake").joinpath("data/consents.json").read_text("utf-8")
        return cls(
            [
                ConsentText(
                    version=item["version"],
                    effective_from=date.fromisoformat(item["effective_from"]),
                    vi=unicodedata.normalize("NFC", item["text"]["vi"]),
                    en=item["text"]["en"],
                )
                for item in json.loads(raw)
            ]
        )

    def current(self, today: date) -> ConsentText:
        """The newest text in force today (the oldest one before any is in force)."""
        in_force = [t for t in self._ordered if t.effective_from <= today]
        return in_force[-1] if in_force else self._ordered[0]

    def knows(self, version: str) -> bool:
        return version in self._texts


def _error(code: str, **values: object) -> FieldError:
    return FieldError(LOC, code, unicodedata.normalize("NFC", MESSAGES[code].format(**values)))


def take_consent(
    raw: Mapping[str, Any], catalog: ConsentCatalog
) -> tuple[dict[str, Any], dict[str, Any] | None, list[FieldError], bool]:
    """Split `consent` off a draft body: (the other fields, the clean consent or None,
    errors, whether the body named consent at all)."""
    rest = {k: v for k, v in raw.items() if k != FIELD}
    if FIELD not in raw:
        return rest, None, [], False
    value = raw[FIELD]
    if value is None:
        return rest, None, [], True  # `null` clears it, like any draft field
    if (
        not isinstance(value, Mapping)
        or set(value) - {"version", "accepted"}
        or not isinstance(value.get("version"), str)
        or not isinstance(value.get("accepted"), bool)
    ):
        return rest, None, [_error("invalid_consent")], True
    version = value["version"].strip()[:40]
    if not catalog.knows(version):
        return rest, None, [_error("unknown_consent_version", version=version)], True
    return rest, {"version": version, "accepted": value["accepted"]}, [], True


def consent_record(consent: dict[str, Any] | None, now: datetime, client: str | None) -> Any:
    """What is stored: the applicant's answer, when intake received it and from where."""
    if consent is None:
        return None
    return {**consent, "at": now.isoformat(), "client_address": client}


def consent_problems(fields: Mapping[str, Any], current: ConsentText) -> list[FieldError]:
    """Silence is not consent: submit needs the current version, explicitly accepted."""
    given = fields.get(FIELD)
    if (
        isinstance(given, Mapping)
        and given.get("accepted") is True
        and given.get("version") == current.version
    ):
        return []
    return [_error("consent_required", version=current.version)]
