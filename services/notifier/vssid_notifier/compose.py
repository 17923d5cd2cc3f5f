"""Building the messages: event payloads → copy/mail contexts → MIME messages."""

from __future__ import annotations

from datetime import date, datetime
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from vssid_notifier.copy_model import DeclarationCopy, MailContext, format_date, to_vietnam_time
from vssid_notifier.mails import ComposedMail, MailKind
from vssid_shared.envelope import CloudEvent


def message_id(declaration_id: str, kind: str) -> str:
    """Stable per (declaration, kind): a resend after a crash is recognisably the same mail."""
    return f"<{kind}.{declaration_id}@vssid.local>"


def agency_of(event: CloudEvent) -> dict[str, Any]:
    agency: dict[str, Any] = event.data.get("agency") or {"code": event.agency}
    return agency


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def declaration_copy(event: CloudEvent, fields: dict[str, Any]) -> DeclarationCopy:
    agency = agency_of(event)
    id_doc = fields.get("id_document") or {}
    submitted = event.data.get("submitted_at")
    return DeclarationCopy(
        reference=event.data["reference"],
        full_name=fields["full_name"],
        social_insurance_number=fields["social_insurance_number"],
        date_of_birth=date.fromisoformat(fields["date_of_birth"]),
        gender=fields["gender"],
        nationality=fields.get("nationality", "VN"),
        id_type=id_doc["type"],
        id_number=id_doc["number"],
        id_issued_on=_date(id_doc.get("issued_on")),
        id_issued_by=id_doc.get("issued_by"),
        address=fields["address"],
        phone=fields["phone"],
        email=fields.get("email"),
        agency_code=agency.get("code", event.agency),
        agency_name=agency.get("name", ""),
        agency_address=agency.get("address", ""),
        agency_phone=agency.get("phone", ""),
        submitted_at=datetime.fromisoformat(submitted) if submitted else event.time,
        deadline=date.fromisoformat(event.data["deadline"]),
        consent=consent_line(fields.get("consent")),
    )


def consent_line(consent: Any) -> str | None:
    """What the copy prints about the consent given: its version and when (Vietnam time)."""
    if not isinstance(consent, dict) or consent.get("accepted") is not True:
        return None
    line = f"Phiên bản {consent.get('version')}"
    if at := consent.get("at"):
        local = to_vietnam_time(datetime.fromisoformat(at))
        line += f", {format_date(local.date())} {local:%H:%M}"
    return line


def mail_context(event: CloudEvent, person: dict[str, Any]) -> MailContext:
    agency = agency_of(event)
    return MailContext(
        reference=event.data["reference"],
        full_name=person.get("full_name") or "",
        social_insurance_number=person.get("social_insurance_number") or "",
        agency_code=agency.get("code", event.agency),
        agency_name=agency.get("name", ""),
        agency_address=agency.get("address", ""),
        agency_phone=agency.get("phone", ""),
        deadline=_date(event.data.get("deadline")),
        reason=person.get("note"),
    )


def mime_message(
    composed: ComposedMail,
    *,
    sender: str,
    to: str,
    declaration_id: str,
    kind: MailKind,
    attachment: tuple[str, bytes] | None = None,
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = composed.subject
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = message_id(declaration_id, kind.value)
    # Quoted-printable keeps the wire 7-bit: no relay on the way needs 8BITMIME.
    msg.set_content(composed.text, cte="quoted-printable")
    msg.add_alternative(composed.html, subtype="html", cte="quoted-printable")
    if attachment:
        name, data = attachment
        msg.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return msg
