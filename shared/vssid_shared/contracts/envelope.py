"""The CloudEvents envelope, generic over its `data`: one wire shape, typed on both ends.

`Envelope[Submitted]` is what a subscriber receives; `CloudEvent` (data left a JSON object) is
what the outbox stores and what readers that only pass events on (the relay, the staff event
stream, `vssid events`) read. Both spell the same JSON, attribute for attribute.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, Generic, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from vssid_shared.clock import Clock
from vssid_shared.subjects import Event, event_type, subject_for
from vssid_shared.tracing import current_trace_context

MARK = "reconciled"  # a reconciler's re-emit carries its attempt number here, in `data`

DataT = TypeVar("DataT")


class Envelope(BaseModel, Generic[DataT]):
    """CloudEvents 1.0 attributes in JSON; consumers ignore what they do not know."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    specversion: str = "1.0"
    id: str
    type: str
    source: str
    time: AwareDatetime
    subject: str = Field(description="the declaration id")
    correlationid: str
    datacontenttype: str = "application/json"
    agency: str = Field(description="receiving agency code, also in the NATS subject")
    data: DataT
    # CloudEvents distributed-tracing extension: the W3C context of the span that created the
    # event (set only while tracing is on; absent, not null, otherwise).
    traceparent: str | None = Field(default=None, exclude_if=lambda v: v is None)
    tracestate: str | None = Field(default=None, exclude_if=lambda v: v is None)

    @property
    def event(self) -> Event:
        return Event(self.type.split(".")[2])

    @property
    def nats_subject(self) -> str:
        return subject_for(self.agency, self.event)

    def wire(self) -> dict[str, Any]:
        """The JSON object as it travels and as the outbox stores it."""
        return self.model_dump(mode="json")


class CloudEvent(Envelope[dict[str, Any]]):
    """An event whose data is left a JSON object: for readers that pass events on."""

    data: dict[str, Any] = Field(default_factory=dict)


def new_event(
    event: Event,
    *,
    source: str,
    declaration_id: str,
    agency_code: str,
    data: BaseModel | Mapping[str, Any],
    clock: Clock,
    correlation_id: str | None = None,
) -> CloudEvent:
    """A fresh event (new id, stamped by the caller's clock) with `data` in its wire form.

    The result keeps `data` as JSON so that it is stored and published exactly as it will be
    read; subscribers parse it back into the event's model (`contracts.parse_event`). Mappings
    are accepted for tests and tools that forge events; services pass the event's model.
    """
    return CloudEvent(
        id=str(uuid.uuid4()),
        type=event_type(event),
        source=source,
        time=clock(),
        subject=declaration_id,
        correlationid=correlation_id or declaration_id,
        agency=agency_code,
        data=wire_data(data),
        **current_trace_context(),
    )


def wire_data(data: BaseModel | Mapping[str, Any]) -> dict[str, Any]:
    """`data` as JSON; keys a model leaves out while unset (the reconcile mark) are left out."""
    if not isinstance(data, BaseModel):
        return dict(data)
    found = data.model_dump(mode="json")
    for key in getattr(data, "OMITTED_WHEN_UNSET", ()):
        if found.get(key, 0) is None:
            del found[key]
    return found


def marked(event: CloudEvent, number: int) -> CloudEvent:
    """`event` as a reconciler re-emits it (see `vssid_shared.reconcile`)."""
    return event.model_copy(update={"data": {**event.data, MARK: number}})


def is_reconciled(event: CloudEvent) -> bool:
    return bool(event.data.get(MARK))


def echo(stored: dict[str, Any], cause: CloudEvent) -> CloudEvent:
    """A stored output event again, under a fresh id, marked like the re-emit that asked."""
    original = CloudEvent.model_validate(stored)
    fresh = original.model_copy(update={"id": str(uuid.uuid4()), "time": cause.time})
    return marked(fresh, int(cause.data.get(MARK) or 1))
