"""Intake's subscribers: one typed `on_<event>` per durable consumer, each calling one use case
(acks, delayed naks and dead letters in `vssid_shared.messaging.settle_as`)."""

from __future__ import annotations

from typing import Annotated

from faststream.nats import NatsBroker

from vssid_intake.account_handlers import activate_account
from vssid_intake.handlers import record_scan, record_status
from vssid_intake.ports import Deps
from vssid_shared.contracts import Scanned, StatusChanged
from vssid_shared.messaging import LoopContext, Message, durable, settle_as
from vssid_shared.subjects import Event, consumer

SERVICE = "intake"
DEPS = "intake_deps"  # where `register_subscribers` puts the ports in the broker's context
IntakeDeps = Annotated[Deps, LoopContext(DEPS)]


async def on_scanned(msg: Message, deps: IntakeDeps) -> None:
    """ocr_qr's findings and the card's QR join the declaration (the applicant's view)."""
    await settle_as(msg, Scanned, lambda event: record_scan(event, deps=deps))


async def on_awaiting_verification(msg: Message, deps: IntakeDeps) -> None:
    """review opened the case: the declaration awaits the applicant's visit."""
    await settle_as(msg, StatusChanged, lambda event: record_status(event, deps=deps))


async def on_verified(msg: Message, deps: IntakeDeps) -> None:
    """The clerk verified: the declaration's status moves on."""
    await settle_as(msg, StatusChanged, lambda event: record_status(event, deps=deps))


async def on_verified_activate_account(msg: Message, deps: IntakeDeps) -> None:
    """The clerk verified: the account is created (or held, or its password re-issued)."""
    await settle_as(msg, StatusChanged, lambda event: activate_account(event, deps=deps))


async def on_rejected(msg: Message, deps: IntakeDeps) -> None:
    """The clerk rejected the declaration."""
    await settle_as(msg, StatusChanged, lambda event: record_status(event, deps=deps))


async def on_expired(msg: Message, deps: IntakeDeps) -> None:
    """Nobody came to the office before the deadline."""
    await settle_as(msg, StatusChanged, lambda event: record_status(event, deps=deps))


SUBSCRIBERS = {
    consumer(SERVICE, Event.SCANNED): on_scanned,
    consumer(SERVICE, Event.AWAITING_VERIFICATION): on_awaiting_verification,
    consumer(SERVICE, Event.VERIFIED): on_verified,
    # A second durable on `verified`: account activation acks apart from the timeline.
    consumer("intake_accounts", Event.VERIFIED): on_verified_activate_account,
    consumer(SERVICE, Event.REJECTED): on_rejected,
    consumer(SERVICE, Event.EXPIRED): on_expired,
}


def register_subscribers(broker: NatsBroker, deps: Deps) -> None:
    broker.context.set_global(DEPS, deps)
    for bound, subscriber in SUBSCRIBERS.items():
        durable(broker, bound, description=subscriber.__doc__)(subscriber)
