"""fpdf2's graphics-state snapshot without `copy.copy`: the same state, the same PDF bytes."""

from __future__ import annotations

from copy import copy
from dataclasses import fields

from fpdf.graphics_state import GraphicsState

from tests.unit.test_notifier_pdf import HUONG
from vssid_notifier.adapters import pdf_state
from vssid_notifier.adapters.pdf import render_declaration_pdf


def fpdf2s_copy(state: GraphicsState) -> GraphicsState:
    """`GraphicsState.copy` as fpdf2 2.8 writes it."""
    new = copy(state)
    new.text_shaping = copy(new.text_shaping)
    return new


def test_a_snapshot_is_a_shallow_copy_with_its_own_shaping_settings() -> None:
    state = GraphicsState(font_size_pt=9.5, font_style="B", text_shaping={"features": {}})
    state.dash_pattern = {"dash": 1, "gap": 2, "phase": 0}
    snapshot = pdf_state.snapshot(state)
    assert snapshot == fpdf2s_copy(state)
    assert snapshot is not state
    assert snapshot.text_shaping == state.text_shaping
    assert snapshot.text_shaping is not state.text_shaping
    for field in fields(GraphicsState):
        if field.name != "text_shaping":  # shallow, as fpdf2's: the same objects inside
            assert getattr(snapshot, field.name) is getattr(state, field.name)
    snapshot.font_size_pt = 12
    assert state.font_size_pt == 9.5


def test_the_copy_renders_to_the_same_bytes_with_fpdf2s_own_state_copy() -> None:
    ours = render_declaration_pdf(HUONG, locale="vi")
    installed = GraphicsState.copy
    setattr(GraphicsState, "copy", fpdf2s_copy)  # noqa: B010
    try:
        theirs = render_declaration_pdf(HUONG, locale="vi")
    finally:
        setattr(GraphicsState, "copy", installed)  # noqa: B010
    assert installed is pdf_state.snapshot
    assert ours == theirs
