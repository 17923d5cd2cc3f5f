"""What a subscriber raises for a message no retry can fix (no broker import: rules raise it)."""

from __future__ import annotations


class InvalidMessageError(Exception):
    """A message that no retry can fix: terminate it, it goes to the dead letters."""
