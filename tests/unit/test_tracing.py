"""Trace context in the CloudEvent envelope (the SDK's in-memory exporter, no servers)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from vssid_shared import tracing
from vssid_shared.clock import utc_now
from vssid_shared.envelope import CloudEvent, new_event
from vssid_shared.messaging import attrs
from vssid_shared.subjects import Event


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    # The module's tracer is the API's proxy: point it at this provider for the test only.
    tracer = provider.get_tracer("vssid")
    original = tracing.tracer
    tracing.tracer = tracer
    try:
        yield memory
    finally:
        tracing.tracer = original


def event(kind: Event) -> CloudEvent:
    return new_event(
        kind, source="t", declaration_id="d-1", agency_code="4802", data={}, clock=utc_now
    )


def test_without_an_active_span_the_envelope_has_no_trace_attributes() -> None:
    stored = event(Event.SUBMITTED).model_dump(mode="json")
    assert "traceparent" not in stored
    assert "tracestate" not in stored


def test_three_hops_are_one_trace_through_the_envelope(exporter: InMemorySpanExporter) -> None:
    with tracing.tracer.start_as_current_span("POST submit", kind=trace.SpanKind.SERVER):
        submitted = event(Event.SUBMITTED)
    assert submitted.traceparent is not None
    # The event crosses the wire as JSON: the attribute survives the round trip.
    wire = CloudEvent.model_validate_json(submitted.model_dump_json())
    with tracing.publishing("declarations.4802.submitted", wire.id, wire.type, attrs(wire)):
        pass
    with tracing.consuming("ocr_qr-submitted", "s", wire.id, wire.type, attrs(wire)):
        scanned = CloudEvent.model_validate_json(event(Event.SCANNED).model_dump_json())
    with tracing.consuming("review-scanned", "s", scanned.id, scanned.type, attrs(scanned)):
        pass
    spans = {span.name: span for span in exporter.get_finished_spans()}
    assert set(spans) == {
        "POST submit",
        "declarations.4802.submitted publish",
        "ocr_qr-submitted process",
        "review-scanned process",
    }
    trace_ids = {span.context.trace_id for span in spans.values()}
    assert len(trace_ids) == 1
    root = spans["POST submit"].context.span_id
    assert spans["ocr_qr-submitted process"].parent is not None
    assert spans["ocr_qr-submitted process"].parent.span_id == root
    assert spans["declarations.4802.submitted publish"].parent.span_id == root  # type: ignore[union-attr]
    ocr = spans["ocr_qr-submitted process"].context.span_id
    assert spans["review-scanned process"].parent.span_id == ocr  # type: ignore[union-attr]
    attributes = dict(spans["review-scanned process"].attributes or {})
    assert attributes["cloudevents.event_type"] == "vssid.declaration.scanned.v1"
    assert attributes["messaging.consumer.group.name"] == "review-scanned"


def test_a_garbled_traceparent_starts_a_fresh_trace(exporter: InMemorySpanExporter) -> None:
    with tracing.consuming("c", "s", "id", "t", {"traceparent": "00-not-a-context"}):
        pass
    [span] = exporter.get_finished_spans()
    assert span.parent is None
