"""review's subscribers: one typed `on_<event>` per durable consumer, each calling one use case
(acks, delayed naks and dead letters in `vssid_shared.messaging.settle_as`)."""

from __future__ import annotations

from typing import Annotated

from faststream.nats import NatsBroker

from vssid_review.handlers import open_case, record_account_held, record_delivery, withdraw_case
from vssid_review.ports import Deps
from vssid_shared.contracts import AccountHeld, DeliveryReceipt, Scanned, Withdrawn
from vssid_shared.messaging import LoopContext, Message, durable, settle_as
from vssid_shared.subjects import Event, consumer

SERVICE = "review"
DEPS = "review_deps"  # where `register_subscribers` puts the ports in the broker's context
ReviewDeps = Annotated[Deps, LoopContext(DEPS)]


async def on_scanned(msg: Message, deps: ReviewDeps) -> None:
    """The photos were checked: the case opens, awaiting the applicant's visit."""
    await settle_as(msg, Scanned, lambda event: open_case(event, deps=deps))


async def on_account_held(msg: Message, deps: ReviewDeps) -> None:
    """intake left an existing account's password alone: the case says so."""
    await settle_as(msg, AccountHeld, lambda event: record_account_held(event, deps=deps))


async def on_copy_mailed(msg: Message, deps: ReviewDeps) -> None:
    """The declaration copy's mail receipt joins the case's history."""
    await settle_as(msg, DeliveryReceipt, lambda event: record_delivery(event, deps=deps))


async def on_notified(msg: Message, deps: ReviewDeps) -> None:
    """A status mail's or SMS's receipt joins the case's history."""
    await settle_as(msg, DeliveryReceipt, lambda event: record_delivery(event, deps=deps))


async def on_withdrawn(msg: Message, deps: ReviewDeps) -> None:
    """The applicant withdrew the declaration: the case leaves the queue."""
    await settle_as(msg, Withdrawn, lambda event: withdraw_case(event, deps=deps))


SUBSCRIBERS = {
    consumer(SERVICE, Event.SCANNED): on_scanned,
    consumer(SERVICE, Event.ACCOUNT_HELD): on_account_held,
    consumer(SERVICE, Event.COPY_MAILED): on_copy_mailed,
    consumer(SERVICE, Event.NOTIFIED): on_notified,
    consumer(SERVICE, Event.WITHDRAWN): on_withdrawn,
}


def register_subscribers(broker: NatsBroker, deps: Deps) -> None:
    broker.context.set_global(DEPS, deps)
    for bound, subscriber in SUBSCRIBERS.items():
        durable(broker, bound, description=subscriber.__doc__)(subscriber)
