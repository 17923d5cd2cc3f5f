"""Broker plumbing: durable pull subscribers with explicit acks and bounded redelivery."""

import asyncio
import contextlib
import functools
import logging
import weakref
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

from faststream import AckPolicy
from faststream._internal.context import Context as ContextField  # the class `Context()` makes
from faststream.nats import JStream, NatsBroker, NatsMessage, PullSub
from faststream.nats.message import NatsMessage as RawNatsMessage
from pydantic import ValidationError

from vssid_shared import metrics, metrics_samplers, nats_fetch, tracing
from vssid_shared.contracts.data import EventData
from vssid_shared.contracts.envelope import CloudEvent, Envelope
from vssid_shared.contracts.parse import InvalidMessageError
from vssid_shared.contracts.parse import parse_event as parse_typed
from vssid_shared.logs import correlation_id
from vssid_shared.nats_access import consumer_user, inbox_prefix
from vssid_shared.nats_login import NatsLogin
from vssid_shared.shredding import DataKeyDestroyedError, preload
from vssid_shared.subjects import MAX_DELIVER, STREAM, Consumer

log = logging.getLogger(__name__)

EventHandler = Callable[[CloudEvent], Awaitable[None]]
DataT = TypeVar("DataT", bound=EventData)
EventT = TypeVar("EventT", bound=Envelope[Any])
Subscriber = Callable[..., Awaitable[Any]]

# While a handler runs, tell JetStream it is alive this often (well inside the shortest ack wait
# we configure): a slow handler, e.g. one retrying a record after a send, is never redelivered
# to a second worker while the first still holds it.
IN_PROGRESS_EVERY_SECONDS = 3.0


class LoopContext(ContextField):
    """FastStream's `Context(name)`, resolved on the event loop.

    fast_depends runs a custom field's plain `def use` in a worker thread: every `Context`
    parameter of a subscriber (the message itself, the service's deps) cost a thread hop
    and an anyio task group per message for a dict lookup (issue 13). Awaited, it does not.
    """

    async def use(self, /, **kwargs: Any) -> dict[str, Any]:  # type: ignore[override]
        resolved: dict[str, Any] = super().use(**kwargs)
        return resolved


# A subscriber's message parameter (faststream.nats.annotations.NatsMessage, resolved on the loop).
Message = Annotated[RawNatsMessage, LoopContext("message")]


# Messages one pull fetches, per broker (set once where the broker is made; see `make_broker`).
_PULL_BATCH: weakref.WeakKeyDictionary[NatsBroker, int] = weakref.WeakKeyDictionary()


def make_broker(login: NatsLogin, *, pull_batch_size: int = 1) -> NatsBroker:
    """The broker of one process; its durable subscribers fetch up to `pull_batch_size`
    messages per pull request (each still settled, acked or retried on its own)."""
    # An idle pull's timeout must reach FastStream as the exception it suppresses (see nats_fetch).
    nats_fetch.install()

    async def disconnected() -> None:
        # FastStream logs a lost connection once, at WARNING, and nats-py's failed reconnects
        # not at all: without this line a NATS outage would be quieter than the idle-pull noise
        # was. nats-py also calls this on a deliberate close (`stop()`): that is no failure.
        if broker.connection.is_reconnecting:
            log.error("lost the NATS connection; reconnecting (events wait in JetStream meanwhile)")

    # Never use FastStream's default policy: it terminates on error, so nothing is retried.
    broker: NatsBroker = NatsBroker(
        login.servers,
        security=login.security(),
        inbox_prefix=login.inbox_prefix(),
        ack_policy=AckPolicy.MANUAL,
        graceful_timeout=10.0,
        logger=logging.getLogger("vssid.broker"),  # through our JSON handler, not FastStream's
        disconnected_cb=disconnected,
    )
    _PULL_BATCH[broker] = max(1, pull_batch_size)
    return broker


def retry_delay(delivered: int) -> float:
    """Naks ignore the consumer's BackOff, so the delay grows here: 1, 2, 4 ... 30 s."""
    return float(min(30, 2 ** max(0, delivered - 1)))


def parse_event(body: bytes) -> CloudEvent:
    try:
        return CloudEvent.model_validate_json(body)
    except ValidationError as exc:
        raise InvalidMessageError("not a CloudEvent of ours") from exc


def attrs(event: Envelope[Any]) -> dict[str, str | None]:
    return {"traceparent": event.traceparent, "tracestate": event.tracestate}


async def settle_as(
    msg: NatsMessage, model: type[DataT], handler: Callable[[Envelope[DataT]], Awaitable[None]]
) -> None:
    """Parse the message as `Envelope[model]`, run the use case, and settle by what happened:
    ack; nak with a growing delay on an error; terminate what no retry can fix (invalid)."""
    await _settled(msg, functools.partial(parse_as, model=model), handler)


async def settle(msg: NatsMessage, handler: EventHandler, consumer: str | None = None) -> None:
    """`settle_as` for a handler that reads the event's data as a JSON object."""
    await _settled(msg, parse_event, handler, consumer)


def parse_as(body: bytes, *, model: type[DataT]) -> Envelope[DataT]:
    return parse_typed(body, model)


def consumer_of(msg: NatsMessage) -> str:
    """The durable that delivered `msg` (JetStream names it in the reply subject)."""
    metadata = getattr(msg.raw_message, "metadata", None)
    return str(getattr(metadata, "consumer", None) or "unknown")


async def _settled(
    msg: NatsMessage,
    parse: Callable[[bytes], EventT],
    handler: Callable[[EventT], Awaitable[None]],
    consumer: str | None = None,
) -> None:
    delivered = int(getattr(msg.raw_message.metadata, "num_delivered", 1) or 1)
    name = consumer or consumer_of(msg)
    alive = asyncio.create_task(_keep_in_progress(msg))
    with metrics.handling(name, delivered, MAX_DELIVER) as settled:
        try:
            event = parse(msg.body)
            correlation_id.set(event.correlationid)
            await preload(event.subject)  # the declaration's data key, once per hop
            subject = str(getattr(msg.raw_message, "subject", ""))
            with tracing.consuming(name, subject, event.id, event.type, attrs(event)):
                await handler(event)
        except InvalidMessageError as exc:
            settled("terminated")
            log.error("terminating invalid message", extra={"reason": str(exc)})
            await msg.reject()
        except DataKeyDestroyedError:
            # Withdrawn, discarded or past retention: nothing left to act on, never retried.
            log.info("declaration shredded; message acknowledged unread")
            await msg.ack()
        except Exception:
            settled("retried")
            delay = retry_delay(delivered)
            log.exception(
                "handler failed; will retry", extra={"delivered": delivered, "delay": delay}
            )
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
    bootstrap declared (declare=False): pulled in batches, each acked by hand (`settle_as`)."""
    metrics_samplers.watch_consumer(broker, consumer.durable)
    # One pull request per message is a NATS round trip per message. A batch is handled
    # concurrently and each message settled alone (FastStream's batch=False). Never more than
    # a pool's workers: messages held in a local queue are work another replica could be doing.
    batch = _PULL_BATCH.get(broker, 1)
    batch = min(batch, int(kw.get("max_workers", batch)))
    decorator: Callable[[Subscriber], Any] = broker.subscriber(
        consumer.filter_subject,
        stream=JStream(STREAM, declare=False),
        durable=consumer.durable,
        pull_sub=PullSub(batch_size=batch, timeout=5.0),
        # Pulled messages come to the consumer owner's private inbox (FastStream's default is
        # the shared `_INBOX.`, which no user may subscribe to).
        inbox_prefix=f"{inbox_prefix(consumer_user(consumer))}.".encode(),
        ack_policy=AckPolicy.MANUAL,
        title=f"{consumer.durable}:{consumer.filter_subject}",
        **kw,
    )
    return decorator


def subscribe(broker: NatsBroker, consumer: Consumer, handler: EventHandler, **kw: Any) -> None:
    """For handlers taking an untyped CloudEvent: a subscriber made here, named after the
    event. The services define theirs, typed, in `entrypoints/worker.py`."""

    async def on_message(msg: Message) -> None:
        await settle(msg, handler, consumer.durable)

    on_message.__name__ = f"on_{consumer.event.value}"
    on_message.__doc__ = handler.__doc__
    durable(broker, consumer, description=handler.__doc__, **kw)(on_message)


__all__ = [
    "MAX_DELIVER",
    "InvalidMessageError",
    "LoopContext",
    "Message",
    "durable",
    "make_broker",
    "settle",
    "settle_as",
    "subscribe",
]
