"""fpdf2's graphics-state snapshot without `copy.copy` (issue 13).

Every text fragment fpdf2 measures or draws takes a snapshot of the graphics state
(`GraphicsState.copy`: `copy.copy` of a slotted dataclass, then of its `text_shaping` dict).
`copy.copy` goes through `__reduce_ex__` and `copy._reconstruct` (about 9 % of the notifier's
CPU under load); building the dataclass from its fields' values is the same shallow copy,
several times faster. The state is the same values, so the PDF is the same bytes.
"""

from __future__ import annotations

import copy
import operator
from dataclasses import fields

from fpdf.graphics_state import GraphicsState

_FIELDS = fields(GraphicsState)
_VALUES = operator.attrgetter(*(f.name for f in _FIELDS))
# Positional construction needs every field in `__init__`; a release where one is not keeps
# fpdf2's own copy.
_ALL_IN_INIT = all(f.init for f in _FIELDS)


def snapshot(state: GraphicsState) -> GraphicsState:
    """What `GraphicsState.copy` returns: a shallow copy, its `text_shaping` copied too."""
    new = GraphicsState(*_VALUES(state))
    if new.text_shaping is not None:
        new.text_shaping = copy.copy(new.text_shaping)
    return new


def install() -> None:
    """Every snapshot in this process through `snapshot` (fpdf2 calls `.copy()` on the
    state it holds; the fields are read at import, so a release that adds one copies it)."""
    if _ALL_IN_INIT:
        setattr(GraphicsState, "copy", snapshot)  # noqa: B010  (a method replaced on purpose)
