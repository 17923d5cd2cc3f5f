"""What a subscriber raises for a message no retry can fix, importable by rules (no broker)."""

from __future__ import annotations

from vssid_shared.contracts.parse import InvalidMessageError

__all__ = ["InvalidMessageError"]
