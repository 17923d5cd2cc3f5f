"""Image and QR findings shown to the clerk, each with a severity and a Vietnamese message."""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    message: str
    image: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def qr_not_found() -> Finding:
    return Finding(
        "qr_not_found",
        "warning",
        "Không đọc được mã QR trên ảnh mặt trước hoặc mặt sau giấy tờ; cần đối chiếu thủ công.",
    )


def qr_not_a_card(side: str) -> Finding:
    """A QR was read on an ID photo but holds no CCCD/BHYT payload (its content is not kept)."""
    return Finding(
        "qr_not_a_card",
        "warning",
        "Ảnh giấy tờ có mã QR nhưng không phải mã của thẻ căn cước hay thẻ BHYT (có thể là "
        "ảnh của giấy tờ khác); cần đối chiếu thủ công.",
        image=side,
    )


def tampered_image(side: str) -> Finding:
    return Finding(
        "image_hash_mismatch",
        "error",
        "Ảnh lưu trữ không khớp mã băm khi nộp; cần yêu cầu người nộp chụp lại.",
        image=side,
    )


def unreadable_image(side: str) -> Finding:
    return Finding(
        "image_unreadable",
        "error",
        "Không xử lý được ảnh giấy tờ; cần yêu cầu người nộp chụp lại.",
        image=side,
    )


# How many other declarations a reuse finding names before summarising the rest.
MAX_LISTED_REFERENCES = 5

IMAGE_LABELS: dict[str, str] = {
    "portrait": "Ảnh chân dung",
    "id_front": "Ảnh mặt trước giấy tờ",
    "id_back": "Ảnh mặt sau giấy tờ",
}


def image_label(kind: str) -> str:
    return IMAGE_LABELS.get(kind, "Ảnh")


def image_finding(code: str, severity: Severity, message: str, image: str) -> Finding:
    # Reference codes and counts are interpolated: normalise the whole text once, at the end.
    return Finding(code, severity, unicodedata.normalize("NFC", message), image=image)


def reused_image_finding(
    kind: str, other_references: list[str], other_agencies: list[str] | None = None
) -> Finding:
    """The same photo bytes (same sha256) were already submitted with other declarations.

    `other_references` are the receiving agency's own cases, named by reference; a case at
    another agency is named only by that agency's code (`other_agencies`), never by its
    reference or id: the fraud signal reaches the clerk, the other office's case does not.
    """
    listed = ", ".join(other_references[:MAX_LISTED_REFERENCES])
    rest = len(other_references) - MAX_LISTED_REFERENCES
    if rest > 0:
        listed += f" và {rest} hồ sơ khác"
    parts = [f"mã hồ sơ: {listed}"] if listed else []
    if other_agencies:
        parts.append(f"hồ sơ tại cơ quan BHXH khác: {', '.join(other_agencies)}")
    where = f" ({'; '.join(parts)})" if parts else ""
    return image_finding(
        "image_reused",
        "error",
        f"{image_label(kind)} trùng khớp hoàn toàn (cùng một tệp ảnh) với ảnh đã nộp kèm "
        f"tờ khai khác{where}. "
        "Cần xác minh người nộp có đúng là người trong các hồ sơ đó không; nếu không, "
        "yêu cầu chụp và nộp ảnh mới.",
        kind,
    )


def split_by_agency(references: list[str], agency_code: str) -> tuple[list[str], list[str]]:
    """References of `agency_code`'s own cases, and the other agencies' codes (references are
    agency-prefixed: `4802-ABCDEF`)."""
    own = [r for r in references if r.partition("-")[0] == agency_code]
    others = sorted({r.partition("-")[0] for r in references} - {agency_code})
    return own, others
