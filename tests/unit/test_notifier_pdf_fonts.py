"""The copy's small fonts: what they cover, and the full-font path for everything else."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from tests.unit.test_notifier_pdf import ALL_TONES, HUONG
from vssid_notifier.adapters import pdf_fonts
from vssid_notifier.adapters.pdf import render_declaration_pdf
from vssid_notifier.adapters.pdf_fonts import (
    STYLES,
    covered_codepoints,
    full_font_path,
    subset_path,
)


def _pdftotext(pdf: bytes, tmp_path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    path = tmp_path / "copy.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True)
    return " ".join(unicodedata.normalize("NFC", done.stdout.decode("utf-8")).split())


def _fonts_of(pdf: bytes, tmp_path: Path) -> str:
    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts (poppler-utils) not installed")
    path = tmp_path / "copy.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout


@pytest.mark.parametrize("style", list(STYLES))
def test_small_font_is_the_full_one_cut_to_the_covered_ranges(style: str) -> None:
    # Guards against a stale file: regenerate with scripts/subset_pdf_fonts.py.
    full = set(TTFont(full_font_path(style)).getBestCmap())
    small = set(TTFont(subset_path(style)).getBestCmap())
    assert small == full & covered_codepoints()


@pytest.mark.parametrize("style", list(STYLES))
def test_small_font_has_every_vietnamese_letter(style: str) -> None:
    small = TTFont(subset_path(style)).getBestCmap()
    letters = {ch for ch in ALL_TONES + ALL_TONES.upper() + "ăâêôơưđ" if ch != " "}
    assert {ch for ch in letters if ord(ch) not in small} == set()


def test_vietnamese_copy_embeds_the_small_fonts(tmp_path: Path) -> None:
    listing = _fonts_of(render_declaration_pdf(HUONG), tmp_path)
    assert "DejaVuSans" in listing
    rows = [line for line in listing.splitlines() if "DejaVu" in line]
    assert len(rows) == 2
    assert all(" yes yes yes " in row for row in rows)  # embedded, subset, ToUnicode


@pytest.mark.parametrize(
    "name",
    ["Иван Петров", "Νίκος Παπαδόπουλος", "Lê Q\u0323uân"],
    ids=["cyrillic", "greek", "mark-nfc-cannot-compose"],
)
def test_text_outside_the_small_fonts_still_comes_back(name: str, tmp_path: Path) -> None:
    copy = dataclasses.replace(HUONG, full_name=name)
    text = _pdftotext(render_declaration_pdf(copy), tmp_path)
    # pdftotext may part a mark from the next letter with a space: compare without spaces.
    assert unicodedata.normalize("NFC", name).replace(" ", "") in text.replace(" ", "")
    assert HUONG.address in text


def test_fonts_are_parsed_once_per_process() -> None:
    render_declaration_pdf(HUONG)
    before = pdf_fonts._embedded.cache_info()
    for _ in range(3):
        render_declaration_pdf(dataclasses.replace(HUONG, full_name=f"Lê Văn {ALL_TONES[:9]}"))
    after = pdf_fonts._embedded.cache_info()
    assert after.misses == before.misses
    assert after.hits > before.hits
