"""notifier's use cases: each mail or SMS at most once per (declaration, kind)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from vssid_notifier.adapters.deliveries import DeliveryStore
from vssid_notifier.adapters.sms import SmsGateway
from vssid_notifier.adapters.smtp import PermanentDeliveryError, SmtpMailer
from vssid_notifier.compose import agency_of, declaration_copy, mail_context, mime_message
from vssid_notifier.copy_model import MailContext
from vssid_notifier.mails import MailKind, compose_mail, sms_text_initial_password
from vssid_notifier.pdf import render_declaration_pdf
from vssid_shared.clock import Clock
from vssid_shared.crypto import Keys
from vssid_shared.envelope import CloudEvent, new_event
from vssid_shared.outbox import OutboxRelay
from vssid_shared.subjects import Event

SOURCE = "vssid/notifier"
log = logging.getLogger(__name__)

MAIL_KIND = {
    Event.VERIFIED: MailKind.VERIFIED,
    Event.REJECTED: MailKind.REJECTED,
    Event.EXPIRING: MailKind.EXPIRING,
    Event.EXPIRED: MailKind.EXPIRED,
}


@dataclass
class Notifier:
    deliveries: DeliveryStore
    mailer: SmtpMailer
    sms: SmsGateway
    keys: Keys
    relay: OutboxRelay
    clock: Clock
    sender: str
    locale: str

    async def deliver(
        self, event: CloudEvent, kind: str, send: Callable[[], Awaitable[None]]
    ) -> None:
        """Send once: a record marks the attempt; only a finished one stops a redelivery."""
        key = f"{event.subject}:{kind}"
        if await self.deliveries.done(key):
            return
        await self.deliveries.attempt(key, event.subject, kind, self.clock())
        status, error = "sent", None
        try:
            await send()
        except PermanentDeliveryError as exc:
            status, error = "failed", str(exc)
            log.warning("delivery failed for good", extra={"kind": kind, "error": error})
        done = Event.COPY_MAILED if kind == MailKind.COPY else Event.NOTIFIED
        receipt = new_event(
            done,
            source=SOURCE,
            declaration_id=event.subject,
            agency_code=event.agency,
            data={
                "reference": event.data.get("reference"),
                "kind": kind,
                "status": status,
                "error": error,
            },
            correlation_id=event.correlationid,
        )
        await self.deliveries.finish(key, status, self.clock(), receipt, error)
        self.relay.kick()

    async def on_awaiting_verification(self, event: CloudEvent) -> None:
        """Mail the declaration copy (PDF) when the applicant asked for one."""
        if not event.data.get("send_email_copy"):
            return
        fields: dict[str, Any] = self.keys.events.open_json(event.data["sealed"], event.subject)
        if not fields.get("email"):
            return
        copy = declaration_copy(event, fields)
        composed = compose_mail(MailKind.COPY, MailContext.from_copy(copy), self.locale)
        pdf = render_declaration_pdf(copy, locale=self.locale)
        message = mime_message(
            composed,
            sender=self.sender,
            to=fields["email"],
            declaration_id=event.subject,
            kind=MailKind.COPY,
            attachment=(f"to-khai-{copy.reference}.pdf", pdf),
        )
        await self.deliver(event, MailKind.COPY, lambda: self.mailer.send(message))

    async def on_status(self, event: CloudEvent) -> None:
        """Status mails: verified, rejected, expiring, expired."""
        if event.event == Event.VERIFIED and event.data.get("reissue_password"):
            # A re-issue's news goes to the account owner's registered e-mail (see
            # `mail_reissued`), not to whoever's address this declaration typed.
            return
        person: dict[str, Any] = self.keys.events.open_json(event.data["sealed"], event.subject)
        email = person.get("email")
        if not email:
            return
        kind = MAIL_KIND[event.event]
        composed = compose_mail(kind, mail_context(event, person), self.locale)
        message = mime_message(
            composed, sender=self.sender, to=email, declaration_id=event.subject, kind=kind
        )
        await self.deliver(event, kind, lambda: self.mailer.send(message))

    async def on_account_activated(self, event: CloudEvent) -> None:
        """The initial password, sealed for the notifier alone, goes to the phone by SMS.

        On a re-issue that phone is the account owner's registered one (intake chose it), and
        the owner's registered e-mail is told that the password was re-issued.
        """
        secret: dict[str, Any] = self.keys.passwords.open_json(event.data["sealed"], event.subject)
        text = sms_text_initial_password(secret["password"], self.locale)
        await self.deliver(event, "sms_password", lambda: self.sms.send(secret["phone"], text))
        if secret.get("reissued") and secret.get("email"):
            await self.mail_reissued(event, secret)

    async def mail_reissued(self, event: CloudEvent, secret: dict[str, Any]) -> None:
        agency = agency_of(event)
        ctx = MailContext(
            reference=event.data.get("reference") or "",
            full_name=secret.get("full_name") or "",
            social_insurance_number=secret.get("social_insurance_number") or "",
            agency_code=agency.get("code", event.agency),
            agency_name=agency.get("name") or f"BHXH {event.agency}",
            agency_address=agency.get("address", ""),
            agency_phone=agency.get("phone", ""),
        )
        kind = MailKind.PASSWORD_REISSUED
        composed = compose_mail(kind, ctx, self.locale)
        message = mime_message(
            composed,
            sender=self.sender,
            to=secret["email"],
            declaration_id=event.subject,
            kind=kind,
        )
        await self.deliver(event, kind, lambda: self.mailer.send(message))
