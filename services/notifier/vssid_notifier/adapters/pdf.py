"""The declaration copy ("tờ khai 01/TK-GDĐT") rendered as a PDF laid out like the official form."""

from __future__ import annotations

import dataclasses
import io
from typing import Any

import segno
from fpdf import FPDF, FontFace

from vssid_notifier.adapters.pdf_fonts import (
    FAMILY,
    STYLES,
    SmallFontsOutput,
    add_small_fonts,
    all_drawn,
    full_font_path,
)
from vssid_notifier.adapters.pdf_lines import MeasuredTable
from vssid_notifier.adapters.pdf_lines import install as install_line_breaks
from vssid_notifier.domain.copy_model import (
    DeclarationCopy,
    country_label,
    format_date,
    gender_label,
    id_document_label,
    national_phone,
    nfc,
    to_vietnam_time,
    what_to_bring,
)

_MOTTO = "Độc lập - Tự do - Hạnh phúc"
_TEXT_WIDTH = 180.0  # A4 (210 mm) minus 15 mm margins
_COLUMNS = (70.0, 110.0)
_LABEL_STYLE = FontFace(emphasis="", fill_color=(238, 241, 246))
_VALUE_STYLE = FontFace(emphasis="BOLD")

# Vietnamese wording first; locale "en" adds an English gloss after it.
_T: dict[str, tuple[str, str]] = {
    "title": (
        "TỜ KHAI ĐĂNG KÝ SỬ DỤNG PHƯƠNG THỨC GIAO DỊCH ĐIỆN TỬ\nTRONG LĨNH VỰC BẢO HIỂM XÃ HỘI",
        "Registration for electronic transactions in social insurance",
    ),
    "subtitle": ("(dành cho cá nhân)", "(for individuals)"),
    "to": ("Kính gửi", "To"),
    "reference": ("Mã hồ sơ", "Reference"),
    "s1": ("I. THÔNG TIN NGƯỜI ĐĂNG KÝ", "Applicant"),
    "name": ("1. Họ và tên", "Full name"),
    "dob": ("2. Ngày sinh", "Date of birth"),
    "gender": ("3. Giới tính", "Gender"),
    "nationality": ("4. Quốc tịch", "Nationality"),
    "sin": ("5. Mã số BHXH", "Social insurance no."),
    "id_type": ("6. Loại giấy tờ tùy thân", "ID document"),
    "id_number": ("7. Số giấy tờ", "Document number"),
    "id_issued_on": ("8. Ngày cấp", "Date of issue"),
    "id_issued_by": ("9. Nơi cấp", "Place of issue"),
    "address": ("10. Địa chỉ liên hệ", "Address"),
    "phone": ("11. Số điện thoại di động", "Mobile"),
    "email": ("12. Thư điện tử", "Email"),
    "s2": ("II. CƠ QUAN BHXH TIẾP NHẬN", "Receiving social insurance office"),
    "agency_name": ("Tên cơ quan", "Office"),
    "agency_code": ("Mã cơ quan", "Office code"),
    "agency_address": ("Địa chỉ", "Address"),
    "agency_phone": ("Điện thoại", "Phone"),
    "s3": ("III. HOÀN TẤT ĐĂNG KÝ TẠI CƠ QUAN BHXH", "Completing the registration"),
    "bring": ("Mang theo", "Bring"),
    "deadline": ("Hạn cuối đến cơ quan BHXH", "Deadline"),
    "show": (
        "Xuất trình tờ khai này (bản in hoặc trên điện thoại) để cán bộ quét mã QR.",
        "Show this declaration (printed or on your phone) so the clerk can scan the QR code.",
    ),
    "lapse": (
        "Quá hạn trên, đăng ký hết hiệu lực và cần đăng ký lại trên ứng dụng VssID.",
        "After that day the registration lapses and must be submitted again in VssID.",
    ),
    "pledge": (
        "Tôi cam đoan những nội dung kê khai trên là đúng sự thật và chịu trách nhiệm "
        "trước pháp luật về những nội dung đã kê khai.",
        "I declare that the above is true and accept legal responsibility for it.",
    ),
    "signer": ("NGƯỜI KÊ KHAI", "Applicant"),
    "signed": ("(Đã xác nhận điện tử trên ứng dụng VssID)", "(Confirmed electronically in VssID)"),
    "none": ("Không có", "none"),
    "consent": ("Đồng ý xử lý dữ liệu cá nhân", "Consent to personal data processing"),
}


install_line_breaks()  # multi_cell's line breaks, remembered for the small fonts


def _t(key: str, locale: str, sep: str = " / ") -> str:
    vi, en = _T[key]
    return f"{vi}{sep}{en}" if locale == "en" else vi


def render_declaration_pdf(copy: DeclarationCopy, *, locale: str = "vi") -> bytes:
    """The declaration copy as PDF bytes; identical input gives identical bytes."""
    copy = _normalized(copy)
    pdf = _laid_out(copy, locale, small_fonts=True)
    if all_drawn(pdf):
        return bytes(pdf.output(output_producer_class=SmallFontsOutput))
    # A character the small fonts lack: the full fonts, with shaping for leftover marks.
    return bytes(_laid_out(copy, locale, small_fonts=False).output())


def _laid_out(copy: DeclarationCopy, locale: str, *, small_fonts: bool) -> FPDF:
    pdf = _new_document(copy, locale, small_fonts)
    _draw_header(pdf, copy, locale)
    _draw_table(pdf, _t("s1", locale), _applicant_rows(copy, locale))
    _draw_table(pdf, _t("s2", locale), _agency_rows(copy, locale))
    _draw_table(pdf, _t("s3", locale), _visit_rows(copy, locale))
    _draw_closing(pdf, copy, locale)
    return pdf


def _normalized(copy: DeclarationCopy) -> DeclarationCopy:
    # pdftotext gives back what was drawn, so draw composed (NFC) text only.
    changes: dict[str, Any] = {
        f.name: nfc(value)
        for f in dataclasses.fields(copy)
        if isinstance(value := getattr(copy, f.name), str)
    }
    return dataclasses.replace(copy, **changes)


def _new_document(copy: DeclarationCopy, locale: str, small_fonts: bool) -> FPDF:
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(15, 10, 15)
    pdf.set_auto_page_break(auto=True, margin=12)
    if small_fonts:
        # NFC text in Latin and Vietnamese is one precomposed glyph per character: nothing
        # to shape, and shaping every measured fragment was a third of a render.
        add_small_fonts(pdf)
    else:
        for style in STYLES:
            pdf.add_font(FAMILY, style, str(full_font_path(style)))
        # Shaping positions stacked marks; ligatures off so "fi" stays two letters.
        pdf.set_text_shaping(use_shaping_engine=True, features={"liga": False, "clig": False})
    # A fixed date keeps the bytes reproducible; only the reference identifies the file.
    pdf.set_creation_date(copy.submitted_at)
    pdf.set_title(f"Tờ khai đăng ký giao dịch điện tử BHXH - {copy.reference}")
    pdf.set_subject("Mẫu 01/TK-GDĐT")
    pdf.set_author("VssID")
    pdf.set_creator("vssid-notifier")
    pdf.set_lang("en" if locale == "en" else "vi")
    pdf.add_page()
    return pdf


def _draw_header(pdf: FPDF, copy: DeclarationCopy, locale: str) -> None:
    top = pdf.get_y()
    pdf.image(_qr_png(copy.reference), x=15, y=top, w=22)
    pdf.set_y(top + 22)
    _text(pdf, copy.reference, size=7, align="C", x=10, w=32)
    pdf.set_y(top)
    _text(pdf, "Mẫu 01/TK-GDĐT", size=7, align="R")
    pdf.set_y(top + 2)
    _text(pdf, "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM", size=11, style="B", align="C", height=6)
    _text(pdf, _MOTTO, size=11, style="B", align="C", height=6)
    half = pdf.get_string_width(_MOTTO) / 2
    pdf.line(105 - half, top + 14, 105 + half, top + 14)
    pdf.set_y(top + 28)
    _text(pdf, _T["title"][0], size=12.5, style="B", align="C", height=6)
    subtitle = _T["subtitle"][0]
    if locale == "en":
        subtitle += f"\n{_T['title'][1]} {_T['subtitle'][1]}"
    _text(pdf, subtitle, size=10.5, align="C", height=5)
    pdf.ln(1)
    for key, value in (("to", copy.agency_name), ("reference", copy.reference)):
        _text(pdf, f"{_t(key, locale)}: {value}", size=10.5, align="C", height=5.5)


def _text(pdf: FPDF, text: str, *, size: float, style: str = "", **cell: Any) -> None:
    """One paragraph; `x`, `w`, `height` and `align` default to a full-width left block."""
    pdf.set_font(FAMILY, style, size)
    pdf.set_x(cell.get("x", pdf.l_margin))
    pdf.multi_cell(
        cell.get("w", 0),
        cell.get("height", size * 0.5),
        text,
        align=cell.get("align", "L"),
        new_x="LMARGIN",
        new_y="NEXT",
    )


def _qr_png(reference: str) -> io.BytesIO:
    buffer = io.BytesIO()
    segno.make(reference, error="m").save(buffer, kind="png", scale=8, border=2)
    buffer.seek(0)
    return buffer


def _applicant_rows(copy: DeclarationCopy, locale: str) -> list[tuple[str, str]]:
    none = _t("none", locale)
    return [
        (_t("name", locale), copy.full_name),
        (_t("dob", locale), format_date(copy.date_of_birth)),
        (_t("gender", locale), gender_label(copy.gender, "vi")),
        (_t("nationality", locale), country_label(copy.nationality, "vi")),
        (_t("sin", locale), copy.social_insurance_number),
        (_t("id_type", locale), id_document_label(copy.id_type, "vi")),
        (_t("id_number", locale), copy.id_number),
        (_t("id_issued_on", locale), format_date(copy.id_issued_on) if copy.id_issued_on else none),
        (_t("id_issued_by", locale), copy.id_issued_by or none),
        (_t("address", locale), copy.address),
        (_t("phone", locale), national_phone(copy.phone)),
        (_t("email", locale), copy.email or none),
        *([(_t("consent", locale), copy.consent)] if copy.consent else []),
    ]


def _agency_rows(copy: DeclarationCopy, locale: str) -> list[tuple[str, str]]:
    return [
        (_t("agency_name", locale), copy.agency_name),
        (_t("agency_code", locale), copy.agency_code),
        (_t("agency_address", locale), copy.agency_address),
        (_t("agency_phone", locale), national_phone(copy.agency_phone)),
    ]


def _visit_rows(copy: DeclarationCopy, locale: str) -> list[tuple[str, str]]:
    bring = what_to_bring(copy.id_type, "vi")
    if locale == "en":
        bring = f"{bring}\n{what_to_bring(copy.id_type, 'en')}"
    return [
        (_t("bring", locale), bring),
        (_t("deadline", locale), format_date(copy.deadline)),
    ]


def _draw_table(pdf: FPDF, heading: str, rows: list[tuple[str, str]]) -> None:
    pdf.ln(2)
    _text(pdf, heading, size=10, style="B", height=5.5)
    pdf.set_font(FAMILY, "", 9.5)
    # What `with pdf.table(...)` builds, with the row heights measured from line breaks.
    table = MeasuredTable(
        pdf,
        col_widths=_COLUMNS,
        width=_TEXT_WIDTH,
        first_row_as_headings=False,
        text_align=("LEFT", "LEFT"),  # type: ignore[arg-type]  # per column, as table() takes it
        line_height=4.6,
        padding=(1, 2),
        v_align="MIDDLE",
    )
    for label, value in rows:
        row = table.row()
        row.cell(label, style=_LABEL_STYLE)
        row.cell(value, style=_VALUE_STYLE)
    table.render()


def _draw_closing(pdf: FPDF, copy: DeclarationCopy, locale: str) -> None:
    pdf.ln(2)
    for key in ("show", "lapse", "pledge"):
        _text(pdf, _t(key, locale, " "), size=9.5, height=4.8)
    local = to_vietnam_time(copy.submitted_at)
    dated = f"Ngày {local.day:02d} tháng {local.month:02d} năm {local.year}, lúc {local:%H:%M}"
    # The signature block sits on the right half, as on paper forms, and is never split.
    if pdf.get_y() + 26 > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.ln(1)
    right: dict[str, Any] = {"x": 110, "w": 85, "align": "C"}
    _text(pdf, dated, size=9.5, **right)
    _text(pdf, _t("signer", locale), size=10, style="B", **right)
    _text(pdf, _t("signed", locale, "\n"), size=8, **right)
    pdf.ln(2)
    _text(pdf, copy.full_name, size=10, style="B", **right)
