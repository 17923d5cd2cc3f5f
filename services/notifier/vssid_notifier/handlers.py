"""notifier's use cases: each mail or SMS once per (declaration, kind), by a stable key.

Each is a function of its event and the ports it needs (`deps`), so a test hands it fakes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from vssid_notifier.domain.compose import (
    agency_of,
    declaration_copy,
    mail_context,
    mime_message,
    reissued_context,
    withdrawn_context,
)
from vssid_notifier.domain.copy_model import MailContext
from vssid_notifier.domain.deliveries import DONE, delivery_key, receipt_event
from vssid_notifier.domain.errors import (
    PermanentDeliveryError,
    RecipientUnknownError,
    RecordNotWrittenError,
)
from vssid_notifier.domain.mails import MailKind, compose_mail, sms_text_initial_password
from vssid_notifier.domain.recipients import Recipient, kept_fields
from vssid_notifier.ports import DELIVERIES, NotifyDeps
from vssid_shared import metrics
from vssid_shared.contracts import (
    AccountActivated,
    AgencyCard,
    Envelope,
    EventData,
    StatusChanged,
    Submitted,
    Withdrawn,
)
from vssid_shared.outbox_record import Queued
from vssid_shared.subjects import Event

log = logging.getLogger(__name__)

MAIL_KIND = {
    Event.VERIFIED: MailKind.VERIFIED,
    Event.REJECTED: MailKind.REJECTED,
    Event.EXPIRING: MailKind.EXPIRING,
    Event.EXPIRED: MailKind.EXPIRED,
}
Send = Callable[[str], Awaitable[None]]


async def keep_recipient(event: Envelope[Submitted], *, deps: NotifyDeps) -> None:
    """Keep, sealed, whom the later mails are for and what they print (no more than that)."""
    submitted = event.data
    fields: dict[str, Any] = deps.events.open_json(submitted.sealed, event.subject)
    kept = kept_fields(fields, submitted.send_email_copy)
    record = {
        "reference": submitted.reference,
        "agency": submitted.agency.model_dump(mode="json"),
        "submitted_at": submitted.submitted_at,
        "send_email_copy": submitted.send_email_copy,
        "sealed": deps.records.seal_json(kept, event.subject) if kept else None,
        "kept_at": deps.clock(),
    }
    await deps.recipients.keep(event.subject, record)


async def recipient_of(event: Envelope[StatusChanged], *, deps: NotifyDeps) -> Recipient:
    """The recipient kept from `submitted`; an event from before the slimming carries its own.

    None kept yet (the status event overtook `submitted`, say after an outage): retried.
    """
    record = await deps.recipients.get(event.subject)
    if record is not None:
        sealed = record.get("sealed")
        return Recipient(
            agency=AgencyCard.model_validate(record["agency"]),
            fields=deps.records.open_json(sealed, event.subject) if sealed else {},
            send_email_copy=bool(record.get("send_email_copy")),
            submitted_at=record.get("submitted_at"),
        )
    if event.data.agency is not None and event.data.sealed:
        return Recipient(
            agency=event.data.agency,
            fields=deps.events.open_json(event.data.sealed, event.subject),
            send_email_copy=bool(event.data.send_email_copy),
            submitted_at=event.data.submitted_at,
        )
    raise RecipientUnknownError(event.subject)


def note_of(event: Envelope[StatusChanged], *, deps: NotifyDeps) -> str | None:
    """The clerk's note on a decision (sealed: free text, maybe personal)."""
    if not event.data.sealed:
        return None
    opened: dict[str, Any] = deps.events.open_json(event.data.sealed, event.subject)
    note = opened.get("note")
    return str(note) if note else None


async def mail_declaration_copy(event: Envelope[StatusChanged], *, deps: NotifyDeps) -> None:
    """Mail the declaration copy (PDF) when the applicant asked for one."""
    if event.data.send_email_copy is False:
        # Review says none was asked for: the kept recipient is not read (issue 13). An
        # event without the flag (older review) reads it, and the kept record decides.
        return
    recipient = await recipient_of(event, deps=deps)
    if not recipient.send_email_copy or recipient.email is None:
        return
    copy = declaration_copy(event, recipient)
    composed = compose_mail(MailKind.COPY, MailContext.from_copy(copy), deps.locale)
    pdf = deps.render_copy(copy, locale=deps.locale)
    message = mime_message(
        composed,
        sender=deps.sender,
        to=recipient.email,
        declaration_id=event.subject,
        kind=MailKind.COPY,
        attachment=(f"to-khai-{copy.reference}.pdf", pdf),
    )
    await deliver(event, MailKind.COPY, lambda _key: deps.mailer.send(message), deps=deps)


async def mail_status(event: Envelope[StatusChanged], *, deps: NotifyDeps) -> None:
    """Status mails: verified, rejected, expiring, expired."""
    if event.event == Event.VERIFIED and event.data.reissue_password:
        # A re-issue's news goes to the account owner's registered e-mail (see
        # `send_initial_password`), not to whoever's address this declaration typed.
        return
    recipient = await recipient_of(event, deps=deps)
    if recipient.email is None:
        return
    kind = MAIL_KIND[event.event]
    context = mail_context(event, recipient, note_of(event, deps=deps))
    composed = compose_mail(kind, context, deps.locale)
    message = mime_message(
        composed, sender=deps.sender, to=recipient.email, declaration_id=event.subject, kind=kind
    )
    await deliver(event, kind, lambda _key: deps.mailer.send(message), deps=deps)


async def mail_withdrawn(event: Envelope[Withdrawn], *, deps: NotifyDeps) -> None:
    """The withdrawal's confirmation mail. Its contact travels in the event, sealed under the
    service key: the data key (and with it the recipient kept from `submitted`) is gone."""
    person: dict[str, Any] = deps.events.open_json(event.data.sealed, event.subject)
    await deps.recipients.forget(event.subject)  # unreadable already; the row goes too
    email = person.get("email")
    if not email:
        return
    kind = MailKind.WITHDRAWN
    composed = compose_mail(kind, withdrawn_context(event, person), deps.locale)
    message = mime_message(
        composed, sender=deps.sender, to=email, declaration_id=event.subject, kind=kind
    )
    await deliver(event, kind, lambda _key: deps.mailer.send(message), deps=deps)


async def send_initial_password(event: Envelope[AccountActivated], *, deps: NotifyDeps) -> None:
    """The initial password, sealed for the notifier alone, goes to the phone by SMS.

    On a re-issue that phone is the account owner's registered one (intake chose it), and
    the owner's registered e-mail is told that the password was re-issued.
    """
    secret: dict[str, Any] = deps.passwords.open_json(event.data.sealed, event.subject)
    text = sms_text_initial_password(secret["password"], deps.locale)
    await deliver(
        event, "sms_password", lambda key: deps.sms.send(secret["phone"], text, key), deps=deps
    )
    if secret.get("reissued") and secret.get("email"):
        await mail_password_reissued(event, secret, deps=deps)


async def mail_password_reissued(
    event: Envelope[AccountActivated], secret: dict[str, Any], *, deps: NotifyDeps
) -> None:
    kind = MailKind.PASSWORD_REISSUED
    agency = event.data.agency
    if agency is None:  # the agency of the declaration that re-issued, as kept from it
        kept = await deps.recipients.get(event.subject)
        agency = AgencyCard.model_validate(kept["agency"]) if kept else None
    context = reissued_context(event, secret, agency_of(agency, event.agency))
    composed = compose_mail(kind, context, deps.locale)
    message = mime_message(
        composed, sender=deps.sender, to=secret["email"], declaration_id=event.subject, kind=kind
    )
    await deliver(event, kind, lambda _key: deps.mailer.send(message), deps=deps)


async def deliver(event: Envelope[Any], kind: str, send: Send, *, deps: NotifyDeps) -> None:
    """Send once per (declaration, kind), the key every attempt of it carries.

    A record of `sending` marks an attempt whose outcome is unknown (the process died, or the
    send failed in a way that does not say whether it arrived): the redelivery sends again
    with the same key, which the receiving side deduplicates. Once a send has returned, its
    outcome is recorded with retries, never nak'ed into a second send.
    """
    key = delivery_key(event.subject, kind)
    # The check and the record of the attempt are one conditional write (issue 13).
    previous = await deps.deliveries.begin(key, event.subject, kind, deps.clock())
    if previous is not None and previous.get("status") in DONE:
        if _reconciled(event):
            # Review found no receipt: the first one went missing, send it again.
            await deps.deliveries.requeue(key, receipt_event(event, kind, previous, deps.clock))
            deps.outbox.kick()
        return
    if previous is not None:
        log.warning(
            "outcome of an earlier send unknown; sending again with the same key",
            extra={"kind": kind, "attempts": int(previous.get("attempts") or 1) - 1},
        )
    status, error = "sent", None
    try:
        with metrics.sending(kind, PermanentDeliveryError):
            await send(key)
    except PermanentDeliveryError as exc:
        status, error = "failed", str(exc)
        log.warning("delivery failed for good", extra={"kind": kind, "error": error})
    receipt = receipt_event(event, kind, {"status": status, "error": error}, deps.clock)
    queued = await record_outcome(key, kind, status, receipt, error, deps=deps)
    deps.outbox.kick_queued(DELIVERIES, key, [receipt], queued)


async def record_outcome(
    key: str, kind: str, status: str, receipt: Any, error: str | None, *, deps: NotifyDeps
) -> Queued:
    """Retry the record until it is written (bounded but long): the effect already left.
    A retry after a try that did land writes nothing (`NOT_WRITTEN`): that try's receipt
    waits in the record, for the relay's find."""
    deadline = time.monotonic() + deps.record_retry_seconds
    delay = 0.5
    while True:
        try:
            return await deps.deliveries.finish(key, status, deps.clock(), receipt, error)
        except RecordNotWrittenError as exc:
            if time.monotonic() + delay > deadline:
                # Left as `sending`: the redelivery sends again, with the same key.
                log.error("gave up recording a finished delivery", extra={"kind": kind})
                raise
            log.warning(
                "could not record a finished delivery; retrying",
                extra={"kind": kind, "error": str(exc), "delay": delay},
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)


def _reconciled(event: Envelope[Any]) -> bool:
    data = event.data
    return bool(data.reconciled) if isinstance(data, EventData) else False
