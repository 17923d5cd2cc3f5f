"""Kept for imports that predate `vssid_shared.contracts`: the envelope lives there now."""

from vssid_shared.contracts.envelope import CloudEvent, Envelope, new_event

__all__ = ["CloudEvent", "Envelope", "new_event"]
