"""notifier's use cases: each mail or SMS once per (declaration, kind), by a stable key."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pymongo.errors import PyMongoError

from vssid_notifier.adapters.deliveries import DONE, DeliveryStore, delivery_key
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
from vssid_shared.reconcile import is_reconciled
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
    # How long a finished send's record is retried before the message is left to redelivery.
    record_retry_seconds: float = 600.0

    async def deliver(
        self, event: CloudEvent, kind: str, send: Callable[[str], Awaitable[None]]
    ) -> None:
        """Send once per (declaration, kind), the key every attempt of it carries.

        A record of `sending` marks an attempt whose outcome is unknown (the process died, or the
        send failed in a way that does not say whether it arrived): the redelivery sends again
        with the same key, which the receiving side deduplicates. Once a send has returned, its
        outcome is recorded with retries, never nak'ed into a second send.
        """
        key = delivery_key(event.subject, kind)
        previous = await self.deliveries.get(key)
        if previous is not None and previous.get("status") in DONE:
            if is_reconciled(event):
                # Review found no receipt: the first one went missing, send it again.
                await self.deliveries.requeue(key, self.receipt(event, kind, previous))
                self.relay.kick()
            return
        if previous is not None:
            log.warning(
                "outcome of an earlier send unknown; sending again with the same key",
                extra={"kind": kind, "attempts": previous.get("attempts")},
            )
        await self.deliveries.attempt(key, event.subject, kind, self.clock())
        status, error = "sent", None
        try:
            await send(key)
        except PermanentDeliveryError as exc:
            status, error = "failed", str(exc)
            log.warning("delivery failed for good", extra={"kind": kind, "error": error})
        receipt = self.receipt(event, kind, {"status": status, "error": error})
        await self._record_outcome(key, kind, status, receipt, error)
        self.relay.kick()

    def receipt(self, event: CloudEvent, kind: str, outcome: dict[str, Any]) -> CloudEvent:
        """`copy_mailed` or `notified`: what review puts in the case's audit."""
        done = Event.COPY_MAILED if kind == MailKind.COPY else Event.NOTIFIED
        return new_event(
            done,
            source=SOURCE,
            declaration_id=event.subject,
            agency_code=event.agency,
            data={
                "reference": event.data.get("reference"),
                "kind": kind,
                "status": outcome.get("status"),
                "error": outcome.get("error"),
            },
            clock=self.clock,
            correlation_id=event.correlationid,
        )

    async def _record_outcome(
        self, key: str, kind: str, status: str, receipt: CloudEvent, error: str | None
    ) -> None:
        """Retry the record until it is written (bounded but long): the effect already left."""
        deadline = time.monotonic() + self.record_retry_seconds
        delay = 0.5
        while True:
            try:
                await self.deliveries.finish(key, status, self.clock(), receipt, error)
                return
            except PyMongoError as exc:
                if time.monotonic() + delay > deadline:
                    # Left as `sending`: the redelivery sends again, with the same key.
                    log.error("gave up recording a finished delivery", extra={"kind": kind})
                    raise
                log.warning(
                    "could not record a finished delivery; retrying",
                    extra={"kind": kind, "error": type(exc).__name__, "delay": delay},
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

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
        await self.deliver(event, MailKind.COPY, lambda _key: self.mailer.send(message))

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
        await self.deliver(event, kind, lambda _key: self.mailer.send(message))

    async def on_account_activated(self, event: CloudEvent) -> None:
        """The initial password, sealed for the notifier alone, goes to the phone by SMS.

        On a re-issue that phone is the account owner's registered one (intake chose it), and
        the owner's registered e-mail is told that the password was re-issued.
        """
        secret: dict[str, Any] = self.keys.passwords.open_json(event.data["sealed"], event.subject)
        text = sms_text_initial_password(secret["password"], self.locale)
        await self.deliver(
            event, "sms_password", lambda key: self.sms.send(secret["phone"], text, key)
        )
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
        await self.deliver(event, kind, lambda _key: self.mailer.send(message))
