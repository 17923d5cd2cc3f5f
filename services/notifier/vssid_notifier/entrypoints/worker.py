"""The notifier's subscribers: one typed function per consumer (AsyncAPI:
`faststream docs serve --factory vssid_notifier.entrypoints.worker:app`)."""

from __future__ import annotations

from typing import Annotated

from faststream import FastStream
from faststream.nats import NatsBroker

from vssid_notifier.handlers import (
    keep_recipient,
    mail_declaration_copy,
    mail_status,
    mail_withdrawn,
    send_initial_password,
)
from vssid_notifier.ports import NotifyDeps
from vssid_shared.contracts import AccountActivated, StatusChanged, Submitted, Withdrawn
from vssid_shared.messaging import LoopContext, Message, durable, settle_as
from vssid_shared.subjects import Event, consumer

DEPS = "notifier_deps"  # where the bootstrap puts the ports in the broker's context
Deps = Annotated[NotifyDeps, LoopContext(DEPS)]


async def on_submitted(msg: Message, deps: Deps) -> None:
    """Keep, sealed, whom this declaration's mails are for (the events after carry no PII)."""
    await settle_as(msg, Submitted, lambda event: keep_recipient(event, deps=deps))


async def on_awaiting_verification(msg: Message, deps: Deps) -> None:
    """Mail the declaration copy (PDF) when the applicant asked for one (`data.send_email_copy`
    false: nothing is read or sent; absent, as from an older review: the kept recipient says)."""
    await settle_as(msg, StatusChanged, lambda event: mail_declaration_copy(event, deps=deps))


async def on_verified(msg: Message, deps: Deps) -> None:
    """Tell the applicant the declaration was verified (the password comes by SMS)."""
    await settle_as(msg, StatusChanged, lambda event: mail_status(event, deps=deps))


async def on_rejected(msg: Message, deps: Deps) -> None:
    """Tell the applicant the declaration was rejected, and why."""
    await settle_as(msg, StatusChanged, lambda event: mail_status(event, deps=deps))


async def on_expiring(msg: Message, deps: Deps) -> None:
    """Remind the applicant to come to the office before the deadline."""
    await settle_as(msg, StatusChanged, lambda event: mail_status(event, deps=deps))


async def on_expired(msg: Message, deps: Deps) -> None:
    """Tell the applicant the deadline passed without an in-person verification."""
    await settle_as(msg, StatusChanged, lambda event: mail_status(event, deps=deps))


async def on_withdrawn(msg: Message, deps: Deps) -> None:
    """Confirm the applicant's withdrawal (the declaration's personal data is deleted)."""
    await settle_as(msg, Withdrawn, lambda event: mail_withdrawn(event, deps=deps))


async def on_account_activated(msg: Message, deps: Deps) -> None:
    """SMS the initial password; on a re-issue, also tell the owner's registered e-mail."""
    await settle_as(msg, AccountActivated, lambda event: send_initial_password(event, deps=deps))


SUBSCRIBERS = {
    Event.SUBMITTED: on_submitted,
    Event.AWAITING_VERIFICATION: on_awaiting_verification,
    Event.VERIFIED: on_verified,
    Event.REJECTED: on_rejected,
    Event.EXPIRING: on_expiring,
    Event.EXPIRED: on_expired,
    Event.ACCOUNT_ACTIVATED: on_account_activated,
    Event.WITHDRAWN: on_withdrawn,
}


def subscribe(broker: NatsBroker, deps: NotifyDeps) -> None:
    broker.context.set_global(DEPS, deps)
    for event, subscriber in SUBSCRIBERS.items():
        durable(broker, consumer("notifier", event), description=subscriber.__doc__)(subscriber)


def app() -> FastStream:
    """The worker app from the environment's settings (`faststream ... --factory`)."""
    from vssid_notifier.bootstrap import bootstrap
    from vssid_notifier.settings import NotifierSettings

    return bootstrap(NotifierSettings()).app
