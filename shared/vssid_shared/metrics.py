"""Prometheus metrics of every service: the one list of names, and the hooks that feed them.

Conventions: `vssid_` prefix, base units in names (`_seconds`, `_total`), labels from small
closed sets only (route templates, never paths; consumer names, event types, finding codes),
never an id, a reference, a name or an address. Gauges that need a query (consumer lag, outbox
backlog, declarations by status) are sampled when Prometheus scrapes, so they are never staler
than the scrape and cost nothing between scrapes; a sampler that fails leaves the last value and
counts the failure rather than failing the scrape.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

log = logging.getLogger(__name__)

# Handler and HTTP latencies: from a cache hit to a slow image scan on a loaded machine.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

HTTP_REQUESTS = Counter(
    "vssid_http_requests_total",
    "HTTP requests answered, by route template and status code.",
    ["method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "vssid_http_request_duration_seconds",
    "Time to answer an HTTP request (to the end of the body), by route template.",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
MESSAGES = Counter(
    "vssid_messages_total",
    "Messages a consumer settled, by outcome: acked, retried (nak) or terminated.",
    ["consumer", "outcome"],
)
MESSAGES_REDELIVERED = Counter(
    "vssid_messages_redelivered_total",
    "Messages a consumer received again (JetStream delivery count above one).",
    ["consumer"],
)
MESSAGES_DEAD_LETTERED = Counter(
    "vssid_messages_dead_lettered_total",
    "Messages given up on: terminated as invalid, or failed on their last allowed delivery.",
    ["consumer", "reason"],
)
HANDLER_DURATION = Histogram(
    "vssid_message_handler_duration_seconds",
    "Time one consumer's handler took for one message, by consumer.",
    ["consumer"],
    buckets=LATENCY_BUCKETS,
)
CONSUMER_PENDING = Gauge(
    "vssid_consumer_pending_messages",
    "Messages in the stream not yet delivered to the durable consumer (JetStream num_pending).",
    ["consumer"],
)
CONSUMER_ACK_PENDING = Gauge(
    "vssid_consumer_ack_pending_messages",
    "Messages delivered to the consumer and not yet acked (JetStream num_ack_pending).",
    ["consumer"],
)
OUTBOX_PENDING = Gauge(
    "vssid_outbox_pending_events",
    "Events stored in the outbox and not yet acknowledged by JetStream, by collection.",
    ["collection"],
)
OUTBOX_OLDEST_AGE = Gauge(
    "vssid_outbox_oldest_event_age_seconds",
    "Age of the oldest event waiting in the outbox (0 when empty), by collection.",
    ["collection"],
)
OUTBOX_PUBLISHED = Counter(
    "vssid_outbox_published_total", "Events the outbox relay published and removed."
)
QR_DECODES = Counter(
    "vssid_qr_decodes_total",
    "QR decodes of a photo, by engine that read it (none when nothing read) and outcome.",
    ["engine", "outcome"],
)
QR_DECODE_DURATION = Histogram(
    "vssid_qr_decode_duration_seconds",
    "Time one photo spent in the decode pool (queue and ladder), by purpose.",
    ["purpose"],
    buckets=LATENCY_BUCKETS,
)
IMAGE_FINDINGS = Counter(
    "vssid_image_findings_total", "Findings ocr_qr reported about declarations, by code.", ["code"]
)
NOTIFICATIONS = Counter(
    "vssid_notifications_total",
    "Mails and SMS the notifier tried to send, by channel, kind and outcome (sent, failed, error).",
    ["channel", "kind", "outcome"],
)
SWEEPER = Counter(
    "vssid_sweeper_cases_total",
    "Cases the deadline sweeper claimed, by action (reminded, expired, purged).",
    ["action"],
)
RECONCILED = Counter(
    "vssid_reconciler_resent_total",
    "Events a reconciler queued again for a stuck declaration, by event type.",
    ["event"],
)
DECLARATIONS = Gauge(
    "vssid_declarations", "Declarations stored, by status (sampled at scrape).", ["status"]
)
SAMPLER_ERRORS = Counter(
    "vssid_metrics_sampler_errors_total", "Scrape-time samplers that failed.", ["sampler"]
)

Sampler = Callable[[], Awaitable[None]]
_samplers: dict[str, Sampler] = {}
# A sampler gets this long; a scrape never hangs on a database or broker that does not answer.
SAMPLE_TIMEOUT_SECONDS = 2.0


def add_sampler(name: str, sampler: Sampler) -> None:
    """Run `sampler` before each scrape (one per name: a re-created app replaces its own)."""
    _samplers[name] = sampler


async def _sample(name: str, sampler: Sampler) -> None:
    try:
        await asyncio.wait_for(sampler(), SAMPLE_TIMEOUT_SECONDS)
    except Exception:
        SAMPLER_ERRORS.labels(name).inc()
        log.debug("metrics sampler failed", extra={"sampler": name}, exc_info=True)


async def exposition() -> tuple[bytes, str]:
    """The text format after running every sampler, and its content type."""
    await asyncio.gather(*(_sample(name, s) for name, s in list(_samplers.items())))
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


# --- hooks, one call per site -------------------------------------------------------------


@contextmanager
def handling(consumer: str, delivered: int, max_deliver: int) -> Iterator[Callable[[str], None]]:
    """Around one message: time the handler; the caller reports the outcome it settled on."""
    if delivered > 1:
        MESSAGES_REDELIVERED.labels(consumer).inc()
    outcome = "acked"

    def settled(how: str) -> None:
        nonlocal outcome
        outcome = how

    started = time.perf_counter()
    try:
        yield settled
    finally:
        HANDLER_DURATION.labels(consumer).observe(time.perf_counter() - started)
        MESSAGES.labels(consumer, outcome).inc()
        if outcome == "terminated":
            MESSAGES_DEAD_LETTERED.labels(consumer, "terminated").inc()
        elif outcome == "retried" and delivered >= max_deliver:
            MESSAGES_DEAD_LETTERED.labels(consumer, "max_deliver").inc()


def qr_decoded(purpose: str, answer: dict[str, object] | None, seconds: float) -> None:
    """One photo through the pool (`answer` as scanning.py returns it)."""
    QR_DECODE_DURATION.labels(purpose).observe(seconds)
    card = answer.get("card", answer) if answer is not None else None
    if answer is None:
        engine, outcome = "none", "not_found"
    elif answer.get("unreadable"):
        engine, outcome = "none", "unreadable"
    elif answer.get("expired"):
        engine, outcome = "none", "expired"
    elif isinstance(card, dict) and card.get("engine"):
        engine, outcome = str(card["engine"]), "found"
    elif answer.get("rejected"):
        engine, outcome = "none", "not_a_card"
    else:
        engine, outcome = "none", "not_found"
    QR_DECODES.labels(engine, outcome).inc()


def findings_reported(codes: list[str]) -> None:
    for code in codes:
        IMAGE_FINDINGS.labels(code).inc()


def notification(kind: str, outcome: str) -> None:
    channel = "sms" if kind.startswith("sms") else "mail"
    NOTIFICATIONS.labels(channel, kind, outcome).inc()


@contextmanager
def sending(kind: str, permanent: type[Exception]) -> Iterator[None]:
    """Around one send: `sent`, `failed` (`permanent`: refused for good) or `error` (retried)."""
    try:
        yield
    except Exception as exc:
        notification(kind, "failed" if isinstance(exc, permanent) else "error")
        raise
    notification(kind, "sent")


def swept(reminded: int, expired: int, purged: int) -> None:
    SWEEPER.labels("reminded").inc(reminded)
    SWEEPER.labels("expired").inc(expired)
    SWEEPER.labels("purged").inc(purged)


def reconciled(counts: dict[str, int]) -> None:
    for event, count in counts.items():
        RECONCILED.labels(event).inc(count)


__all__ = [
    "add_sampler",
    "exposition",
    "findings_reported",
    "handling",
    "notification",
    "qr_decoded",
    "reconciled",
    "swept",
]
