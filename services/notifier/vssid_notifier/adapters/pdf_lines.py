"""Line breaks of the copy's text, computed once per (text, font, width) instead of per draw.

fpdf2's `multi_cell` breaks its text into lines by adding one character at a time in Python
(`MultiLineBreak.get_line`), and `FPDF.table` calls it twice per cell (once to measure the
row's height, once to draw it): two fifths of a copy's CPU. The lines depend only on the
text, the font and its size, spacing and the box, so for text in the small fonts they are
remembered here and replayed: the same characters per line, the same widths (the floats
fpdf2 computed), the same `TextLine`s, hence the same drawing operators and the same bytes.
The labels, headings and closing paragraphs are broken once per process, each typed value
once per document. Anything else (the full fonts, shaping, several styled fragments, a
width that varies by height) goes to fpdf2's own `MultiLineBreak`, untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import fpdf.fpdf
from fpdf.enums import Align
from fpdf.fonts import FontFace
from fpdf.line_break import Fragment, MultiLineBreak, TextLine
from fpdf.table import Cell, Table
from fpdf.util import Padding

from vssid_notifier.adapters.pdf_fonts import SmallFont, remember

LINES_CACHE_SIZE = 20_000  # broken texts: well under a few MB; cleared whole when full


@dataclass(frozen=True, slots=True)
class _Line:
    """One broken line without its graphics state: what a `TextLine` is made from."""

    characters: tuple[str, ...] | None  # None: a line without a fragment (an empty line)
    link: int | str | None
    text_width: float
    number_of_spaces: int
    align: Align
    height: float
    max_width: float | None
    trailing_nl: bool
    trailing_form_feed: bool
    indent: float

    def text_line(self, fragment: Fragment) -> TextLine:
        fragments = []
        if self.characters is not None:
            fragments.append(fragment.clone(list(self.characters), self.link))
        return TextLine(
            fragments,
            self.text_width,
            self.number_of_spaces,
            self.align,
            self.height,
            self.max_width,
            self.trailing_nl,
            self.trailing_form_feed,
            self.indent,
        )


@dataclass(frozen=True, slots=True)
class _Broken:
    lines: tuple[_Line, ...]
    unknown: tuple[int, ...]  # code points outside the font, looked up in its widths as fpdf2 does


_broken: dict[tuple[Any, ...], _Broken] = {}


class _Replay:
    """What `multi_cell` needs of a `MultiLineBreak`: `get_line()` until it gives None."""

    __slots__ = ("_lines",)

    def __init__(self, lines: list[TextLine]) -> None:
        self._lines = iter(lines)

    def get_line(self) -> TextLine | None:
        return next(self._lines, None)


def _key(
    fragments: Sequence[Fragment],
    max_width: float | Callable[[float], float],
    margins: Sequence[float],
    options: dict[str, Any],
) -> tuple[Any, ...] | None:
    if len(fragments) != 1 or callable(max_width) or options.get("skip_leading_spaces"):
        return None
    fragment = fragments[0]
    font = fragment.graphics_state.current_font
    if type(fragment) is not Fragment or type(font) is not SmallFont:
        return None
    if fragment.text_shaping_parameters:
        return None
    return (
        font.fontkey,
        "".join(fragment.characters),
        fragment.font_size_pt,
        fragment.char_spacing,
        fragment.font_stretching,
        fragment.k,
        fragment.link,
        max_width,
        tuple(margins),
        tuple(sorted(options.items())),
    )


def _recorded(lines: list[TextLine], fragment: Fragment) -> tuple[_Line, ...] | None:
    recorded = []
    for line in lines:
        if len(line.fragments) > 1:
            return None
        if line.fragments:
            part = line.fragments[0]
            if part.graphics_state is not fragment.graphics_state or part.k != fragment.k:
                return None
            characters: tuple[str, ...] | None = tuple(part.characters)
            link = part.link
        else:
            characters, link = None, None
        recorded.append(
            _Line(
                characters,
                link,
                line.text_width,
                line.number_of_spaces,
                line.align,
                line.height,
                line.max_width,
                line.trailing_nl,
                line.trailing_form_feed,
                line.indent,
            )
        )
    return tuple(recorded)


def line_break(
    fragments: Sequence[Fragment],
    max_width: float | Callable[[float], float],
    margins: Sequence[float],
    **options: Any,
) -> MultiLineBreak | _Replay:
    """Stands in for `MultiLineBreak(...)` inside `FPDF.multi_cell` (see `install`)."""
    key = _key(fragments, max_width, margins, options)
    if key is None:
        return MultiLineBreak(fragments, max_width, margins, **options)
    fragment = fragments[0]
    font = fragment.graphics_state.current_font
    assert isinstance(font, SmallFont)
    broken = _broken.get(key)
    if broken is None:
        breaker = MultiLineBreak(fragments, max_width, margins, **options)
        lines = list(iter(breaker.get_line, None))
        recorded = _recorded(lines, fragment)
        if recorded is not None:
            known = SmallFont._known[font.fontkey]
            unknown = tuple(sorted({ord(c) for c in key[1]} - known))
            remember(_broken, key, _Broken(recorded, unknown), LINES_CACHE_SIZE)
        return _Replay(lines)
    # Measuring has these side effects in fpdf2; keep them so the document is the same.
    if key[1] and fragment.font_size_pt > font.biggest_size_pt:
        font.biggest_size_pt = fragment.font_size_pt
    for code in broken.unknown:
        font.cw[code]  # a defaultdict: the lookup records the default width
    return _Replay([line.text_line(fragment) for line in broken.lines])


class MeasuredTable(Table):
    """fpdf2's table, measuring a text cell's height from its line breaks alone.

    fpdf2 finds a row's height by drawing every cell with writing switched off (a whole
    `multi_cell` each: fonts, fragments, the text operators thrown away), then draws them.
    Here the height query breaks the text (remembered by `line_break`, so drawing it later
    costs no second break) and adds up the line heights as `multi_cell` does. The query's
    page-break flag is not computed: fpdf2's row measuring ignores it. Glyphs are still
    numbered in first-drawn order: the measuring pass drew the same texts in the same order
    as the drawing pass, so skipping it numbers them the same.
    """

    def _render_table_cell(  # type: ignore[override]
        self, i: int, j: int, cell: Cell, row_height: float, cell_height_info: Any = None, **kw: Any
    ) -> tuple[bool, float, float]:
        if cell_height_info is not None or cell.img or cell.colspan != 1 or cell.rowspan != 1:
            return super()._render_table_cell(i, j, cell, row_height, cell_height_info, **kw)
        if not cell.text:
            return False, 0, 0
        return False, 0, self._text_height(i, j, cell, row_height)

    def _text_height(self, i: int, j: int, cell: Cell, row_height: float) -> float:
        pdf = self._fpdf
        text_align = cell.align or self._text_align
        if not isinstance(text_align, (Align, str)):
            text_align = text_align[j]
        style = self._initial_style
        if self._cell_fill_mode.should_fill_cell(i, j) and self._cell_fill_color:
            style = style.replace(fill_color=self._cell_fill_color)  # type: ignore[union-attr]
        if i < self._num_heading_rows:
            style = FontFace.combine(style, self._headings_style)
        style = FontFace.combine(style, self.rows[i].style)
        style = FontFace.combine(style, cell.style)
        padding = Padding.new(cell.padding) if cell.padding else self._padding
        width = self._get_col_width(i, j, cell.colspan) - padding.right - padding.left
        margins = [pdf.c_margin] * ((not padding.left) + (not padding.right))
        align = Align.coerce(text_align)
        key = None
        if type(pdf.current_font) is SmallFont and style is not None:
            # Whatever decides the lines: the face (colours do not), the text, the box.
            key = (
                pdf.current_font.fontkey,
                pdf.font_size_pt,
                pdf.char_spacing,
                pdf.font_stretching,
                style.family,
                style.emphasis,
                style.size_pt,
                cell.text,
                width,
                tuple(margins),
                align,
                self._wrapmode,
                self._markdown,
                row_height,
                self._line_height,
                tuple(padding),
            )
            height = _heights.get(key)
            if height is not None:
                return height
        with pdf.use_font_face(style):  # type: ignore[arg-type]
            text = pdf.normalize_text(cell.text).replace("\r", "")
            fragments = (  # as multi_cell picks them
                pdf._preload_bidirectional_text(text, self._markdown)
                if pdf.text_shaping
                else pdf._preload_font_styles(text, self._markdown)
            )
            breaker = line_break(
                fragments, width, margins, align=align, print_sh=False, wrapmode=self._wrapmode
            )
            count = len(list(iter(breaker.get_line, None))) or 1
        # As multi_cell sums it (h=row_height, max_line_height=the table's line height).
        line_height = row_height if count == 1 else min(row_height, self._line_height)
        total: float = 0
        for _ in range(count):
            total += line_height
        height = max(total, row_height) + padding.top + padding.bottom
        if key is not None:
            remember(_heights, key, height, LINES_CACHE_SIZE)
        return height


_heights: dict[tuple[Any, ...], float] = {}  # a text cell's height, for the small fonts


def install() -> None:
    """Route `multi_cell`'s line breaking through `line_break`; other callers keep fpdf2's."""
    fpdf.fpdf.MultiLineBreak = line_break  # type: ignore[attr-defined,assignment]
