"""review's subscribers: one `on_<event>` per durable consumer, each calling one use case."""

from __future__ import annotations

from faststream.nats import NatsBroker

from vssid_review.handlers import open_case, record_account_held, record_delivery
from vssid_review.ports import Deps
from vssid_shared.envelope import CloudEvent
from vssid_shared.messaging import subscriber
from vssid_shared.subjects import Event, consumer

SERVICE = "review"


def register_subscribers(broker: NatsBroker, deps: Deps) -> None:
    @subscriber(broker, consumer(SERVICE, Event.SCANNED))
    async def on_scanned(event: CloudEvent) -> None:
        """The photos were checked: the case opens, awaiting the applicant's visit."""
        await open_case(event, deps=deps)

    @subscriber(broker, consumer(SERVICE, Event.ACCOUNT_HELD))
    async def on_account_held(event: CloudEvent) -> None:
        """intake left an existing account's password alone: the case says so."""
        await record_account_held(event, deps=deps)

    @subscriber(broker, consumer(SERVICE, Event.COPY_MAILED))
    async def on_copy_mailed(event: CloudEvent) -> None:
        """The declaration copy's mail receipt joins the case's history."""
        await record_delivery(event, deps=deps)

    @subscriber(broker, consumer(SERVICE, Event.NOTIFIED))
    async def on_notified(event: CloudEvent) -> None:
        """A status mail's or SMS's receipt joins the case's history."""
        await record_delivery(event, deps=deps)
