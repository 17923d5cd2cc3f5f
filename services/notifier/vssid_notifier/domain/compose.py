"""Building the messages: event payloads → copy/mail contexts → MIME messages."""

from __future__ import annotations

from datetime import date, datetime
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from vssid_notifier.domain.copy_model import (
    DeclarationCopy,
    MailContext,
    format_date,
    to_vietnam_time,
)
from vssid_notifier.domain.mail_headers import MESSAGE_POLICY
from vssid_notifier.domain.mails import ComposedMail, MailKind
from vssid_notifier.domain.recipients import Recipient
from vssid_shared.contracts import (
    AccountActivated,
    AgencyCard,
    Envelope,
    StatusChanged,
    Withdrawn,
)


def message_id(declaration_id: str, kind: str) -> str:
    """Stable per (declaration, kind): a resend after a crash is recognisably the same mail."""
    return f"<{kind}.{declaration_id}@vssid.local>"


def agency_of(agency: AgencyCard | None, agency_code: str) -> AgencyCard:
    """The agency the mails print; an event without the card names the code alone."""
    return agency or AgencyCard(code=agency_code)


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def declaration_copy(event: Envelope[StatusChanged], recipient: Recipient) -> DeclarationCopy:
    """The PDF copy's content: the typed declaration and the case's reference and deadline."""
    fields, agency = recipient.fields, recipient.agency
    id_doc = fields.get("id_document") or {}
    return DeclarationCopy(
        reference=event.data.reference,
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
        agency_code=agency.code,
        agency_name=agency.name,
        agency_address=agency.address,
        agency_phone=agency.phone,
        submitted_at=recipient.submitted_at or event.time,
        deadline=event.data.deadline,
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


def withdrawn_context(event: Envelope[Withdrawn], person: dict[str, Any]) -> MailContext:
    """The withdrawal's confirmation: whom it is for and where the declaration was sent."""
    agency = agency_of(event.data.agency, event.agency)
    return MailContext(
        reference=event.data.reference or "",
        full_name=person.get("full_name") or "",
        social_insurance_number=person.get("social_insurance_number") or "",
        agency_code=agency.code,
        agency_name=agency.name,
        agency_address=agency.address,
        agency_phone=agency.phone,
    )


def mail_context(
    event: Envelope[StatusChanged], recipient: Recipient, note: str | None
) -> MailContext:
    """A status mail's content: whom it is for, the case's facts, the clerk's note."""
    person, agency = recipient.fields, recipient.agency
    return MailContext(
        reference=event.data.reference,
        full_name=person.get("full_name") or "",
        social_insurance_number=person.get("social_insurance_number") or "",
        agency_code=agency.code,
        agency_name=agency.name,
        agency_address=agency.address,
        agency_phone=agency.phone,
        deadline=event.data.deadline,
        reason=note,
    )


def reissued_context(
    event: Envelope[AccountActivated], secret: dict[str, Any], agency: AgencyCard
) -> MailContext:
    """The owner's notice of a re-issued password: no password in it, only whose and where."""
    return MailContext(
        reference=event.data.reference or "",
        full_name=secret.get("full_name") or "",
        social_insurance_number=secret.get("social_insurance_number") or "",
        agency_code=agency.code,
        agency_name=agency.name or f"BHXH {event.agency}",
        agency_address=agency.address,
        agency_phone=agency.phone,
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
    msg = EmailMessage(policy=MESSAGE_POLICY)  # policy.default, repeated headers parsed once
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
