"""Intake's subscribers: one `on_<event>` per durable consumer, each calling one use case."""

from __future__ import annotations

from faststream.nats import NatsBroker

from vssid_intake.account_handlers import activate_account
from vssid_intake.handlers import record_scan, record_status
from vssid_intake.ports import Deps
from vssid_shared.envelope import CloudEvent
from vssid_shared.messaging import subscriber
from vssid_shared.subjects import Event, consumer

SERVICE = "intake"


def register_subscribers(broker: NatsBroker, deps: Deps) -> None:
    @subscriber(broker, consumer(SERVICE, Event.SCANNED))
    async def on_scanned(event: CloudEvent) -> None:
        """ocr_qr's findings and the card's QR join the declaration (the applicant's view)."""
        await record_scan(event, deps=deps)

    @subscriber(broker, consumer(SERVICE, Event.AWAITING_VERIFICATION))
    async def on_awaiting_verification(event: CloudEvent) -> None:
        """review opened the case: the declaration awaits the applicant's visit."""
        await record_status(event, deps=deps)

    @subscriber(broker, consumer(SERVICE, Event.VERIFIED))
    async def on_verified(event: CloudEvent) -> None:
        """The clerk verified: the declaration's status moves on."""
        await record_status(event, deps=deps)

    # A second durable on `verified`: account activation acks apart from the timeline.
    @subscriber(broker, consumer("intake_accounts", Event.VERIFIED))
    async def on_verified_activate_account(event: CloudEvent) -> None:
        """The clerk verified: the account is created (or held, or its password re-issued)."""
        await activate_account(event, deps=deps)

    @subscriber(broker, consumer(SERVICE, Event.REJECTED))
    async def on_rejected(event: CloudEvent) -> None:
        """The clerk rejected the declaration."""
        await record_status(event, deps=deps)

    @subscriber(broker, consumer(SERVICE, Event.EXPIRED))
    async def on_expired(event: CloudEvent) -> None:
        """Nobody came to the office before the deadline."""
        await record_status(event, deps=deps)
