"""Broker plumbing: durable pull subscribers with explicit acks and bounded redelivery."""

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from faststream import AckPolicy
from faststream.nats import JStream, NatsBroker, NatsMessage, PullSub
from faststream.nats.annotations import NatsMessage as MessageContext
from pydantic import ValidationError

from vssid_shared.contracts.data import EventData
from vssid_shared.contracts.envelope import CloudEvent, Envelope
from vssid_shared.contracts.parse import InvalidMessageError
from vssid_shared.contracts.parse import parse_event as parse_typed
from vssid_shared.logs import correlation_id
from vssid_shared.nats_access import consumer_user, inbox_prefix
from vssid_shared.nats_login import NatsLogin
from vssid_shared.subjects import MAX_DELIVER, STREAM, Consumer

log = logging.getLogger(__name__)

EventHandler = Callable[[CloudEvent], Awaitable[None]]
DataT = TypeVar("DataT", bound=EventData)
EventT = TypeVar("EventT", bound=Envelope[Any])
Subscriber = Callable[..., Awaitable[Any]]

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


async def settle_as(
    msg: NatsMessage, model: type[DataT], handler: Callable[[Envelope[DataT]], Awaitable[None]]
) -> None:
    """Parse the message as `Envelope[model]`, run the use case, and settle by what happened:
    ack; nak with a growing delay on an error; terminate what no retry can fix (invalid)."""
    await _settled(msg, functools.partial(parse_as, model=model), handler)


async def settle(msg: NatsMessage, handler: EventHandler) -> None:
    """`settle_as` for a handler that reads the event's data as a JSON object."""
    await _settled(msg, parse_event, handler)


def parse_as(body: bytes, *, model: type[DataT]) -> Envelope[DataT]:
    return parse_typed(body, model)


async def _settled(
    msg: NatsMessage,
    parse: Callable[[bytes], EventT],
    handler: Callable[[EventT], Awaitable[None]],
) -> None:
    delivered = int(getattr(msg.raw_message.metadata, "num_delivered", 1) or 1)
    alive = asyncio.create_task(_keep_in_progress(msg))
    try:
        event = parse(msg.body)
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


def durable(broker: NatsBroker, consumer: Consumer, **kw: Any) -> Callable[[Subscriber], Any]:
    """The decorator binding a typed `on_<event>` function to the durable consumer the
    bootstrap declared (declare=False): pulled one at a time, acked by hand (`settle_as`)."""
    decorator: Callable[[Subscriber], Any] = broker.subscriber(
        consumer.filter_subject,
        stream=JStream(STREAM, declare=False),
        durable=consumer.durable,
        pull_sub=PullSub(batch_size=1, timeout=5.0),
        # Pulled messages come to the consumer owner's private inbox (FastStream's default is
        # the shared `_INBOX.`, which no user may subscribe to).
        inbox_prefix=f"{inbox_prefix(consumer_user(consumer))}.".encode(),
        ack_policy=AckPolicy.MANUAL,
        title=f"{consumer.durable}:{consumer.filter_subject}",
        **kw,
    )
    return decorator


def subscribe(broker: NatsBroker, consumer: Consumer, handler: EventHandler, **kw: Any) -> None:
    """For handlers still taking an untyped CloudEvent (intake, review): a subscriber made
    here, named after the event. ocr_qr and notifier define theirs in `entrypoints/worker.py`."""

    async def on_message(msg: MessageContext) -> None:
        await settle(msg, handler)

    on_message.__name__ = f"on_{consumer.event.value}"
    on_message.__doc__ = handler.__doc__
    durable(broker, consumer, description=handler.__doc__, **kw)(on_message)


__all__ = [
    "MAX_DELIVER",
    "InvalidMessageError",
    "durable",
    "make_broker",
    "settle",
    "settle_as",
    "subscribe",
]
