"""The declaration-copy PDF gives back every typed value, diacritics intact, through pdftotext."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import unicodedata
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from vssid_notifier.adapters.pdf import render_declaration_pdf
from vssid_notifier.domain.copy_model import DeclarationCopy

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed"
)

# Every tone (huyền, sắc, hỏi, ngã, nặng) on every vowel, lower and upper case, plus đ/Đ.
# Grouped per vowel: pdftotext treats runs of evenly spaced single letters as letter-spaced
# text and drops their spaces, which would say nothing about this PDF.
ALL_TONES = (
    "àáảãạ ằắẳẵặ ầấẩẫậ èéẻẽẹ ềếểễệ ìíỉĩị òóỏõọ ồốổỗộ ờớởỡợ ùúủũụ ừứửữự ỳýỷỹỵ đ "
    "ÀÁẢÃẠ ẰẮẲẴẶ ẦẤẨẪẬ ÈÉẺẼẸ ỀẾỂỄỆ ÌÍỈĨỊ ÒÓỎÕỌ ỒỐỔỖỘ ỜỚỞỠỢ ÙÚỦŨỤ ỪỨỬỮỰ ỲÝỶỸỴ Đ"
)
TONES_SPACED = (
    "à á ả ã ạ ằ ắ ẳ ẵ ặ ầ ấ ẩ ẫ ậ è é ẻ ẽ ẹ ề ế ể ễ ệ ì í ỉ ĩ ị ò ó ỏ õ ọ "
    "ồ ố ổ ỗ ộ ờ ớ ở ỡ ợ ù ú ủ ũ ụ ừ ứ ử ữ ự ỳ ý ỷ ỹ ỵ đ"
)

HUONG = DeclarationCopy(
    reference="GD-2025-000123",
    full_name="Đặng Thị Ngọc Hưởng",
    social_insurance_number="4801234567",
    date_of_birth=date(1990, 3, 7),
    gender="female",
    nationality="VN",
    id_type="cccd",
    id_number="048190001234",
    id_issued_on=date(2021, 8, 2),
    id_issued_by="Cục Cảnh sát quản lý hành chính về trật tự xã hội",
    address="Kiệt 12 Hà Huy Tập, Phường Hòa Khê, Quận Thanh Khê, Đà Nẵng",
    phone="+84905123456",
    email="huong.dang@example.vn",
    agency_code="4802",
    agency_name="Bảo hiểm xã hội quận Thanh Khê",
    agency_address="Số 3 Hà Huy Tập, Phường Hòa Khê, Quận Thanh Khê, Đà Nẵng",
    agency_phone="+842363759888",
    submitted_at=datetime(2025, 3, 10, 2, 30, tzinfo=UTC),
    deadline=date(2025, 3, 24),
)

# Every letter with every tone mark in the fields a copy prints, on a CMND.
EVERY_TONE_MARK = dataclasses.replace(
    HUONG,
    full_name=f"Đỗ {ALL_TONES}",
    address=f"Phường Hòa Khê, Quận Thanh Khê, Đà Nẵng, {ALL_TONES}",
    id_issued_by=ALL_TONES.upper(),
    agency_name=f"Bảo hiểm xã hội {ALL_TONES}",
    id_type="cmnd",
)


def _collapse(text: str) -> str:
    # Long values wrap inside their table cell; line breaks become single spaces.
    return " ".join(unicodedata.normalize("NFC", text).split())


def _pdftotext(pdf: bytes, tmp_path: Path, *, normalize: bool = True) -> str:
    path = tmp_path / "copy.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    )
    text = done.stdout.decode("utf-8")
    return _collapse(text) if normalize else " ".join(text.split())


def _expected(copy: DeclarationCopy, bring: str) -> list[str]:
    return [
        "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "TỜ KHAI ĐĂNG KÝ SỬ DỤNG PHƯƠNG THỨC GIAO DỊCH ĐIỆN TỬ TRONG LĨNH VỰC BẢO HIỂM XÃ HỘI",
        "(dành cho cá nhân)",
        copy.reference,
        copy.full_name,
        copy.social_insurance_number,
        copy.id_number,
        copy.id_issued_by or "",
        copy.address,
        copy.email or "",
        copy.agency_code,
        copy.agency_name,
        copy.agency_address,
        "07/03/1990",
        "02/08/2021",
        "24/03/2025",
        "0905123456",
        "02363759888",
        "Nữ",
        "Việt Nam",
        bring,
    ]


@pytest.mark.parametrize(
    ("copy", "bring"),
    [
        (HUONG, "Căn cước công dân bản gốc"),
        (
            EVERY_TONE_MARK,
            "Chứng minh nhân dân bản gốc",
        ),
        (dataclasses.replace(HUONG, id_type="passport"), "Hộ chiếu bản gốc"),
    ],
    ids=["realistic", "every-tone-mark", "passport"],
)
def test_pdftotext_gives_back_every_value(
    copy: DeclarationCopy, bring: str, tmp_path: Path
) -> None:
    text = _pdftotext(render_declaration_pdf(copy), tmp_path)
    for value in _expected(copy, bring):
        assert _collapse(value) in text, value


def test_decomposed_input_is_printed_composed(tmp_path: Path) -> None:
    nfd = dataclasses.replace(
        HUONG,
        full_name=unicodedata.normalize("NFD", HUONG.full_name),
        address=unicodedata.normalize("NFD", HUONG.address),
    )
    # No normalisation here: the extracted text itself must already be composed.
    text = _pdftotext(render_declaration_pdf(nfd), tmp_path, normalize=False)
    assert unicodedata.is_normalized("NFC", text)
    assert HUONG.full_name in text
    assert HUONG.address in text


def test_spaced_single_letters_keep_every_code_point(tmp_path: Path) -> None:
    # Evenly spaced single letters lose their spaces in pdftotext (see ALL_TONES), so this
    # checks only that each glyph maps back to the right code point, in order.
    copy = dataclasses.replace(HUONG, address=f"Đà Nẵng ({TONES_SPACED})")
    text = _pdftotext(render_declaration_pdf(copy), tmp_path)
    assert f"({TONES_SPACED})".replace(" ", "") in text.replace(" ", "")


def test_missing_optional_values_are_marked(tmp_path: Path) -> None:
    copy = dataclasses.replace(HUONG, email=None, id_issued_on=None, id_issued_by=None)
    text = _pdftotext(render_declaration_pdf(copy), tmp_path)
    assert "12. Thư điện tử Không có" in text
    assert "8. Ngày cấp Không có" in text


def test_english_locale_keeps_vietnamese_values(tmp_path: Path) -> None:
    text = _pdftotext(render_declaration_pdf(HUONG, locale="en"), tmp_path)
    for value in _expected(HUONG, "Căn cước công dân bản gốc"):
        assert _collapse(value) in text, value
    assert "Full name" in text
    assert "Your original citizen identity card (CCCD)" in text


def test_output_is_deterministic() -> None:
    first = render_declaration_pdf(HUONG)
    assert first.startswith(b"%PDF-")
    assert first == render_declaration_pdf(HUONG)


def test_metadata_and_single_page(tmp_path: Path) -> None:
    if shutil.which("pdfinfo") is None:
        pytest.skip("pdfinfo not installed")
    path = tmp_path / "copy.pdf"
    path.write_bytes(render_declaration_pdf(HUONG))
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True)
    fields = dict(line.split(":", 1) for line in info.stdout.splitlines() if ":" in line)
    assert HUONG.reference in fields["Title"]
    assert "Đặng" not in fields["Title"]
    assert fields["Pages"].strip() == "1"
    assert "2025-03-10" in fields["CreationDate"] or "Mar 10" in fields["CreationDate"]


def test_qr_code_holds_the_reference(tmp_path: Path) -> None:
    zxingcpp = pytest.importorskip("zxingcpp")
    image_module = pytest.importorskip("PIL.Image")
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm not installed")
    path = tmp_path / "copy.pdf"
    path.write_bytes(render_declaration_pdf(HUONG))
    subprocess.run(["pdftoppm", "-png", "-r", "150", str(path), str(tmp_path / "page")], check=True)
    page = image_module.open(next(tmp_path.glob("page*.png")))
    found = [code.text for code in zxingcpp.read_barcodes(page)]
    assert found == [HUONG.reference]
