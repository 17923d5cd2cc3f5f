"""A stored document as the use cases see it (no driver import: rules and handlers use it)."""

from __future__ import annotations

from typing import Any

Doc = dict[str, Any]
