"""Status mails and the initial-password SMS, composed from Jinja2 templates per locale."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, select_autoescape

from vssid_notifier.domain.copy_model import (
    MailContext,
    format_date,
    id_document_label,
    national_phone,
    nfc,
    what_to_bring,
)

SUPPORTED_LOCALES = ("vi", "en")
_TEMPLATES = Path(__file__).parent.parent / "templates"  # the package's, beside the fonts


class MailKind(StrEnum):
    """The mails the notifier sends, one per (declaration, kind)."""

    COPY = "copy"
    VERIFIED = "verified"
    REJECTED = "rejected"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    # To the owner of an active account whose password a clerk re-issued (issue 10).
    PASSWORD_REISSUED = "password_reissued"
    # The applicant withdrew the declaration; its personal data is deleted (issue 15).
    WITHDRAWN = "withdrawn"


# What a kind cannot be written without; a mail missing these would mislead the person.
_REQUIRED: dict[MailKind, tuple[str, ...]] = {
    MailKind.COPY: ("deadline", "id_type"),
    MailKind.REJECTED: ("reason",),
    MailKind.EXPIRING: ("deadline",),
}


@dataclass(frozen=True, slots=True)
class ComposedMail:
    """A mail ready for MIME assembly: one-line subject, plain-text and HTML bodies."""

    subject: str
    text: str
    html: str


def compose_mail(kind: MailKind, ctx: MailContext, locale: str = "vi") -> ComposedMail:
    """Subject, text and HTML for one kind of mail in the given locale (NFC throughout)."""
    kind = MailKind(kind)
    lang = _locale(locale)
    missing = [name for name in _REQUIRED.get(kind, ()) if getattr(ctx, name) is None]
    if missing:
        raise ValueError(f"{kind.value} mail needs {', '.join(missing)}")
    variables = _variables(ctx, lang)
    text_template = _environment().get_template(f"{lang}/{kind.value}.txt.j2")
    subject = _render_subject(text_template, variables)
    text = text_template.render(variables)
    html = (
        _environment()
        .get_template(f"{lang}/{kind.value}.html.j2")
        .render(variables, subject=subject)
    )
    return ComposedMail(subject=subject, text=_finish(text), html=_finish(html))


def sms_text_initial_password(password: str, locale: str = "vi") -> str:
    """The SMS carrying the initial password; the only message the password ever appears in."""
    # The message never echoes the password back: errors end up in logs.
    if len(password) < 8 or any(ch.isspace() for ch in password):
        raise ValueError("initial password must have at least 8 characters and no spaces")
    template = _environment().get_template(f"{_locale(locale)}/sms_initial_password.txt.j2")
    # Keep the line break after the password so trailing punctuation never looks part of it.
    return nfc(template.render(password=password).strip())


def _locale(locale: str) -> str:
    # Accept tags such as "vi-VN" or "en_US"; only the language matters for the wording.
    language = locale.replace("_", "-").split("-")[0].lower()
    if language not in SUPPORTED_LOCALES:
        raise ValueError(f"unsupported locale {locale!r}")
    return language


@functools.cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(_TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _variables(ctx: MailContext, locale: str) -> dict[str, Any]:
    return {
        "reference": nfc(ctx.reference),
        "full_name": nfc(ctx.full_name),
        "social_insurance_number": nfc(ctx.social_insurance_number),
        "agency_code": nfc(ctx.agency_code),
        "agency_name": nfc(ctx.agency_name),
        "agency_address": nfc(ctx.agency_address),
        "agency_phone": national_phone(nfc(ctx.agency_phone)),
        "deadline": format_date(ctx.deadline) if ctx.deadline else None,
        "reason": nfc(ctx.reason) if ctx.reason else None,
        "id_document": id_document_label(ctx.id_type, locale) if ctx.id_type else None,
        "bring": what_to_bring(ctx.id_type, locale) if ctx.id_type else None,
    }


def _render_subject(template: Template, variables: dict[str, Any]) -> str:
    parts = template.blocks["subject"](template.new_context(variables))
    # One line only: a newline in a header value would let input inject headers.
    return nfc(" ".join("".join(parts).split()))


def _finish(body: str) -> str:
    return nfc(body.strip()) + "\n"
