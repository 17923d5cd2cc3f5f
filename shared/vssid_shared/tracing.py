"""OpenTelemetry traces: off unless `VSSID_OTEL_ENDPOINT` names an OTLP/HTTP collector.

One declaration is one trace: the HTTP request that submits it, the relay publishing its
events, each consumer handling them. Between services the W3C trace context travels in the
CloudEvent itself (the CloudEvents distributed-tracing extension: `traceparent`, `tracestate`),
set when an event is created, so it survives the outbox, redeliveries and reconciler copies.
Spans carry ids and types only (event id and type, consumer, route), never personal data.
Without an endpoint the API's no-op tracer is used and nothing is recorded or sent.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any

from opentelemetry import context, trace
from opentelemetry.trace import SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from vssid_shared.settings import CommonSettings

if TYPE_CHECKING:  # the SDK is imported only when tracing is on: every process starts faster
    from opentelemetry.sdk.trace import SpanProcessor, TracerProvider

_PROPAGATOR = TraceContextTextMapPropagator()
tracer = trace.get_tracer("vssid")


def configure(
    service: str,
    endpoint: str | None,
    *,
    sample_ratio: float = 1.0,
    processor: SpanProcessor | None = None,
) -> TracerProvider | None:
    """Install the SDK for this process if an endpoint (or, in tests, a processor) is given."""
    if not endpoint and processor is None:
        return None
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

    provider = TracerProvider(
        resource=Resource.create({"service.name": f"vssid-{service}"}),
        sampler=ParentBased(TraceIdRatioBased(sample_ratio)),
    )
    if endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
            OTLPSpanExporter,
        )

        url = endpoint.rstrip("/")
        url = url if url.endswith("/v1/traces") else f"{url}/v1/traces"
        # A short export delay: a worker's spans reach the collector within a second.
        provider.add_span_processor(
            BatchSpanProcessor(OTLPSpanExporter(endpoint=url), schedule_delay_millis=500)
        )
    if processor is not None:
        provider.add_span_processor(processor)
    trace.set_tracer_provider(provider)
    return provider


def current_trace_context() -> dict[str, str]:
    """`traceparent` (and `tracestate`) of the active span, {} when none is recording."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier


def context_from(attributes: Mapping[str, Any]) -> context.Context:
    """The remote parent named by an event's (or request's) `traceparent`, if any."""
    carrier = {k: str(v) for k in ("traceparent", "tracestate") if (v := attributes.get(k))}
    return _PROPAGATOR.extract(carrier)


@contextmanager
def _hop(
    name: str,
    kind: SpanKind,
    subject: str,
    event_id: str,
    event_type: str,
    parent: Mapping[str, Any],
    attributes: Mapping[str, str],
) -> Iterator[trace.Span]:
    """One hop of an event over NATS: a span, child of the span that created the event."""
    with tracer.start_as_current_span(
        name,
        context=context_from(parent),
        kind=kind,
        attributes={
            "messaging.system": "nats",
            "messaging.destination.name": subject,
            "messaging.message.id": event_id,
            "cloudevents.event_type": event_type,
            **attributes,
        },
    ) as span:
        yield span


def consuming(
    consumer: str, subject: str, event_id: str, event_type: str, parent: Mapping[str, Any]
) -> AbstractContextManager[trace.Span]:
    """The span of one handler run, child of the span that created the event."""
    extra = {
        "messaging.operation.type": "process",
        "messaging.consumer.group.name": consumer,
        "cloudevents.event_id": event_id,
    }
    return _hop(
        f"{consumer} process", SpanKind.CONSUMER, subject, event_id, event_type, parent, extra
    )


def publishing(
    subject: str, event_id: str, event_type: str, parent: Mapping[str, Any]
) -> AbstractContextManager[trace.Span]:
    """The relay's span for one event, child of the span that created it."""
    extra = {"messaging.operation.type": "send"}
    return _hop(
        f"{subject} publish", SpanKind.PRODUCER, subject, event_id, event_type, parent, extra
    )


def install(settings: CommonSettings, *, service: str) -> None:
    """The hook for an HTTP service: the SDK, if configured.

    FastAPI (0.165+) records a server span per request by itself, named by route template and
    child of an incoming `traceparent`, once a tracer provider is set: no middleware of ours.
    """
    configure(service, settings.otel_endpoint, sample_ratio=settings.otel_sample_ratio)


__all__ = [
    "configure",
    "consuming",
    "context_from",
    "current_trace_context",
    "install",
    "publishing",
    "tracer",
]
