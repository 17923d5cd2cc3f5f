"""The CloudEvents envelope every event travels in."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from vssid_shared.subjects import Event, event_type, subject_for
from vssid_shared.tracing import current_trace_context


class CloudEvent(BaseModel):
    """CloudEvents 1.0 attributes in JSON; consumers ignore what they do not know."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    specversion: str = "1.0"
    id: str
    type: str
    source: str
    time: datetime
    subject: str = Field(description="the declaration id")
    correlationid: str
    datacontenttype: str = "application/json"
    agency: str = Field(description="receiving agency code, also in the NATS subject")
    data: dict[str, Any] = Field(default_factory=dict)
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


def new_event(
    event: Event,
    *,
    source: str,
    declaration_id: str,
    agency_code: str,
    data: dict[str, Any],
    correlation_id: str | None = None,
) -> CloudEvent:
    return CloudEvent(
        id=str(uuid.uuid4()),
        type=event_type(event),
        source=source,
        time=datetime.now(UTC),
        subject=declaration_id,
        correlationid=correlation_id or declaration_id,
        agency=agency_code,
        data=data,
        **current_trace_context(),
    )
