"""The declaration copy's bytes are pinned: a faster renderer must draw exactly the same PDF.

`pdf_golden.json` holds the sha256 of each case below as rendered by the renderer before
issue 13's fourth round (fpdf2's own table and line breaking). The output is deterministic:
the creation date is the submission time, and fpdf2 writes no random file id. The bytes
also depend on fpdf2's version (pinned in uv.lock): after an upgrade or an intended change of
the document's look, compare the old and new rasters (`pdftoppm`) before regenerating:
`.venv/bin/python -m tests.unit.notifier.test_pdf_golden > tests/unit/notifier/pdf_golden.json`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
import unicodedata
from pathlib import Path

import pytest

from tests.unit.test_notifier_pdf import EVERY_TONE_MARK, HUONG
from vssid_notifier.adapters import pdf_lines
from vssid_notifier.adapters.pdf import render_declaration_pdf
from vssid_notifier.domain.copy_model import DeclarationCopy

GOLDEN = Path(__file__).with_name("pdf_golden.json")
_LONG_ADDRESS = (
    "Phòng 1204, Tầng 12, Toà nhà Khu Đô Thị Mới Nghĩa Đô, Số 106 Đường Hoàng Quốc Việt, "
    "Phường Nghĩa Đô, Quận Cầu Giấy, Thành phố Hà Nội, Việt Nam — gần Ngã tư Nguyễn Văn Huyên"
)

CASES: dict[str, tuple[DeclarationCopy, str]] = {
    "realistic": (HUONG, "vi"),
    "english": (HUONG, "en"),
    "every-tone-mark": (EVERY_TONE_MARK, "vi"),
    "passport-missing-optional": (
        dataclasses.replace(
            HUONG, id_type="passport", email=None, id_issued_on=None, id_issued_by=None
        ),
        "vi",
    ),
    "long-wrapping-with-consent": (
        dataclasses.replace(
            HUONG,
            reference="GD-2025-987654",
            full_name="Tôn Nữ Thị Hoàng Phương Thảo Nguyễn Phước Bửu Ngọc Diễm Kiều Trang",
            address=_LONG_ADDRESS,
            agency_address=_LONG_ADDRESS.upper(),
            email="ton.nu.thi.hoang.phuong.thao.nguyen.phuoc@example-very-long-domain.vn",
            consent="v2025-01, 10/03/2025 09:30",
        ),
        "en",
    ),
    "words-longer-than-a-line": (
        dataclasses.replace(
            HUONG, full_name="Nguyễn" * 30, address="x" * 200 + " " + "ĐàNẵng" * 25
        ),
        "vi",
    ),
    "second-page": (
        dataclasses.replace(HUONG, address=" ".join([_LONG_ADDRESS] * 7)),
        "vi",
    ),
    "decomposed-input": (
        dataclasses.replace(
            HUONG,
            full_name=unicodedata.normalize("NFD", HUONG.full_name),
            address=unicodedata.normalize("NFD", HUONG.address),
        ),
        "vi",
    ),
    "fallback-cyrillic": (dataclasses.replace(HUONG, full_name="Иван Петров"), "vi"),
    "fallback-mark-nfc-cannot-compose": (
        dataclasses.replace(HUONG, full_name="Lê Q\u0323uân", address=_LONG_ADDRESS),
        "en",
    ),
}


def _sha256(name: str) -> str:
    copy, locale = CASES[name]
    return hashlib.sha256(render_declaration_pdf(copy, locale=locale)).hexdigest()


@pytest.mark.parametrize("name", list(CASES))
def test_copy_is_byte_identical_to_the_pinned_render(name: str) -> None:
    assert _sha256(name) == json.loads(GOLDEN.read_text())[name]


def test_lines_broken_afresh_and_replayed_give_the_same_bytes() -> None:
    # First pass: every text is broken by fpdf2 and remembered; second: replayed.
    golden = json.loads(GOLDEN.read_text())
    pdf_lines._broken.clear()
    fresh = {name: _sha256(name) for name in CASES}
    assert pdf_lines._broken  # the small-font texts were remembered
    replayed = {name: _sha256(name) for name in CASES}
    assert fresh == replayed == golden


def test_every_case_is_pinned() -> None:
    assert set(json.loads(GOLDEN.read_text())) == set(CASES)


if __name__ == "__main__":
    json.dump({name: _sha256(name) for name in CASES}, sys.stdout, indent=2)
    sys.stdout.write("\n")
