"""Broker plumbing: durable pull subscribers with explicit acks and bounded redelivery."""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from faststream import AckPolicy
from faststream.nats import JStream, NatsBroker, NatsMessage, PullSub
from faststream.nats.annotations import NatsMessage as MessageContext
from pydantic import ValidationError

from vssid_shared.contracts.envelope import CloudEvent
from vssid_shared.contracts.parse import InvalidMessageError
from vssid_shared.logs import correlation_id
from vssid_shared.nats_access import consumer_user, inbox_prefix
from vssid_shared.nats_login import NatsLogin
from vssid_shared.subjects import MAX_DELIVER, STREAM, Consumer

log = logging.getLogger(__name__)

EventHandler = Callable[[CloudEvent], Awaitable[None]]

# While a handler runs, tell JetStream it is alive this often (well inside the shortest ack wait
# we configure): a slow handler, e.g. one retrying a record after a send, is never redelivered
# to another worker while it still works on the message.
IN_PROGRESS_EVERY_SECONDS = 3.0


def make_broker(login: NatsLogin) -> NatsBroker:
    # Never use FastStream's default policy: it terminates on error, so nothing is retried.
    return NatsBroker(
        login.url,
        security=login.security(),
        inbox_prefix=login.inbox_prefix(),
        ack_policy=AckPolicy.MANUAL,
        graceful_timeout=10.0,
        logger=logging.getLogger("vssid.broker"),  # through our JSON handler, not FastStream's
    )


def retry_delay(delivered: int) -> float:
    """Naks ignore the consumer's BackOff, so the delay grows here: 1, 2, 4 ... 30 s."""
    return float(min(30, 2 ** max(0, delivered - 1)))


def parse_event(body: bytes) -> CloudEvent:
    try:
        return CloudEvent.model_validate_json(body)
    except ValidationError as exc:
        raise InvalidMessageError("not a CloudEvent of ours") from exc


async def settle(msg: NatsMessage, handler: EventHandler) -> None:
    """Run one handler and ack, nak with delay, or terminate by what happened."""
    delivered = int(getattr(msg.raw_message.metadata, "num_delivered", 1) or 1)
    alive = asyncio.create_task(_keep_in_progress(msg))
    try:
        event = parse_event(msg.body)
        correlation_id.set(event.correlationid)
        await handler(event)
    except InvalidMessageError as exc:
        log.error("terminating invalid message", extra={"reason": str(exc)})
        await msg.reject()
    except Exception:
        delay = retry_delay(delivered)
        log.exception("handler failed; will retry", extra={"delivered": delivered, "delay": delay})
        await msg.nack(delay=delay)
    else:
        await msg.ack()
    finally:
        alive.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await alive


async def _keep_in_progress(msg: NatsMessage) -> None:
    while True:
        await asyncio.sleep(IN_PROGRESS_EVERY_SECONDS)
        try:
            await msg.in_progress()
        except Exception:  # a lost connection: the ack wait decides, as without this
            log.debug("could not extend the ack wait", exc_info=True)


def subscribe(broker: NatsBroker, consumer: Consumer, handler: EventHandler, **kw: Any) -> None:
    """Bind `handler` to the durable consumer the bootstrap declared (declare=False)."""

    async def on_message(msg: MessageContext) -> None:
        await settle(msg, handler)

    on_message.__name__ = f"on_{consumer.event.value}"
    on_message.__doc__ = handler.__doc__
    broker.subscriber(
        consumer.filter_subject,
        stream=JStream(STREAM, declare=False),
        durable=consumer.durable,
        pull_sub=PullSub(batch_size=1, timeout=5.0),
        # Pulled messages come to the consumer owner's private inbox (FastStream's default is
        # the shared `_INBOX.`, which no user may subscribe to).
        inbox_prefix=f"{inbox_prefix(consumer_user(consumer))}.".encode(),
        ack_policy=AckPolicy.MANUAL,
        title=f"{consumer.durable}:{consumer.filter_subject}",
        description=handler.__doc__,
        **kw,
    )(on_message)


def subscriber(
    broker: NatsBroker, consumer: Consumer, **kw: Any
) -> Callable[[EventHandler], EventHandler]:
    """`@subscriber(broker, consumer)` over an `on_<event>` function: binds it to its durable."""

    def bind(handler: EventHandler) -> EventHandler:
        subscribe(broker, consumer, handler, **kw)
        return handler

    return bind


__all__ = [
    "MAX_DELIVER",
    "InvalidMessageError",
    "make_broker",
    "settle",
    "subscribe",
    "subscriber",
]
