"""Image and QR findings shown to the clerk, each with a severity and a Vietnamese message."""

from __future__ import annotations

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
