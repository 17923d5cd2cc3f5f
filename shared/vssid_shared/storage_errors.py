"""Errors of the shared stores that use cases catch (no driver import)."""

from __future__ import annotations


class ImageNotFoundError(LookupError):
    """The photo is no longer stored (purged when its retention ended)."""
