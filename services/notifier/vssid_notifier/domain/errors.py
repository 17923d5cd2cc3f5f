"""The notifier's failures as its use cases see them (adapters translate driver errors)."""

from __future__ import annotations


class PermanentDeliveryError(Exception):
    """The server refused for good (5xx, bad address): record it, do not retry."""


class RecordNotWrittenError(Exception):
    """The delivery store did not take a write (database unreachable, timed out)."""


class RecipientUnknownError(Exception):
    """A status event came before the declaration's `submitted` was kept: retried later."""
