"""Remembered line breaks and the measured table draw what fpdf2's own table draws, byte for byte.

Texts chosen to reach each branch of fpdf2's line breaking: spaces, no-break spaces, soft
hyphens, explicit and doubled newlines, a word longer than its cell, an empty cell.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import fpdf.fpdf
import pytest
from fpdf import FPDF, FontFace
from fpdf.line_break import MultiLineBreak

from tests.unit.test_notifier_pdf import ALL_TONES
from vssid_notifier.adapters import pdf_lines
from vssid_notifier.adapters.pdf_fonts import FAMILY, SmallFontsOutput, add_small_fonts
from vssid_notifier.adapters.pdf_lines import MeasuredTable

TEXTS = [
    "Đặng Thị Ngọc Hưởng",
    f"Phường Hòa Khê, Quận Thanh Khê, Đà Nẵng, {ALL_TONES}",
    "Số\u00a03\u00a0Hà\u00a0Huy\u00a0Tập " * 6,
    "giao\u00addịch\u00adđiện\u00adtử\u00adtrong\u00adlĩnh\u00advực\u00adbảo\u00adhiểm " * 4,
    "dòng một\ndòng hai\n\ndòng bốn\n",
    "Nguyễn" * 25,
    "",
    "x",
]


def _document(build: Callable[[FPDF], None]) -> bytes:
    pdf = FPDF(unit="mm", format="A4")
    pdf.set_creation_date(datetime(2025, 3, 10, tzinfo=UTC))
    add_small_fonts(pdf)
    pdf.add_page()
    pdf.set_font(FAMILY, "", 9.5)
    build(pdf)
    return bytes(pdf.output(output_producer_class=SmallFontsOutput))


def _rows(table: fpdf.table.Table) -> None:
    for i, text in enumerate(TEXTS):
        row = table.row()
        row.cell(f"{i}. {text[:12]}", style=FontFace(emphasis="", fill_color=(238, 241, 246)))
        row.cell(text, style=FontFace(emphasis="BOLD"))


_TABLE = {
    "col_widths": (70.0, 110.0),
    "width": 180.0,
    "first_row_as_headings": False,
    "text_align": ("LEFT", "JUSTIFY"),
    "line_height": 4.6,
    "padding": (1, 2),
    "v_align": "MIDDLE",
}


def _fpdf2_table(pdf: FPDF) -> None:
    with pdf.table(**_TABLE) as table:
        _rows(table)


def _measured_table(pdf: FPDF) -> None:
    table = MeasuredTable(pdf, **_TABLE)  # type: ignore[arg-type]
    _rows(table)
    table.render()


def _paragraphs(pdf: FPDF) -> None:
    for align in ("L", "C", "J"):
        for text in TEXTS:
            pdf.multi_cell(0, 4.8, text, align=align, new_x="LMARGIN", new_y="NEXT")


@pytest.mark.parametrize("build", [_paragraphs, _fpdf2_table], ids=["paragraphs", "table"])
def test_replayed_breaks_draw_what_fpdf2_draws(
    build: Callable[[FPDF], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(fpdf.fpdf, "MultiLineBreak", MultiLineBreak)
        expected = _document(build)
    pdf_lines.install()
    pdf_lines._broken.clear()
    assert _document(build) == expected  # broken by fpdf2, remembered
    assert pdf_lines._broken
    assert _document(build) == expected  # replayed


def test_measured_table_draws_what_fpdf2s_table_draws(monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(fpdf.fpdf, "MultiLineBreak", MultiLineBreak)
        expected = _document(_fpdf2_table)
    pdf_lines.install()
    pdf_lines._broken.clear()
    pdf_lines._heights.clear()
    assert _document(_measured_table) == expected
    assert _document(_measured_table) == expected  # heights and breaks remembered


def test_other_fonts_keep_fpdf2s_line_breaking() -> None:
    pdf_lines.install()
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", "", 10)
    before = len(pdf_lines._broken)
    pdf.multi_cell(50, 5, "core fonts are never remembered " * 5)
    assert len(pdf_lines._broken) == before
