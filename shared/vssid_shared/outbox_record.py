"""How an event waits in its document's outbox until the relay publishes it (no driver import)."""

from __future__ import annotations

from typing import Any

from vssid_shared.envelope import CloudEvent

PENDING = "pending_events"


def pending(event: CloudEvent) -> dict[str, Any]:
    """The stored form of an event, to `$push` in the same update as the state change."""
    return event.model_dump(mode="json")
