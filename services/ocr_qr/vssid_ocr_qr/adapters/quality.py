"""Photo quality findings (size, blur, glare, face count, card outline) a person can act on,
measured with Pillow and OpenCV inside the scan processes (`adapters/scanning`)."""

from __future__ import annotations

from typing import Literal

from PIL import Image

from vssid_ocr_qr.adapters.quality_card import find_card
from vssid_ocr_qr.adapters.quality_faces import count_faces
from vssid_ocr_qr.adapters.quality_measure import Gray, Quad, Rgb, glare_share, prepare, sharpness
from vssid_ocr_qr.domain.findings import Finding, image_finding, image_label

ImageKind = Literal["portrait", "id_front", "id_back"]

# Shorter side in pixels: below 600 the text on an ID-1 card filling the frame is ~2 px high
# strokes and the QR modules under 3 px; a portrait under 300 px is smaller than a 3x4 cm print.
MIN_SHORT_SIDE: dict[str, int] = {"portrait": 300, "id_front": 600, "id_back": 600}
# Sharpness (variance of the Laplacian, sharpest tile decile, 800 px working copy; see
# quality_measure.sharpness). Calibrated on tests/support/cards.py, seeds 5000-5149: clean
# photos 678-2192, phone 247+ (128 the lowest seen on other seeds), hard 45+ (1 in 150 under 50);
# the same clean photos after PIL GaussianBlur radius 3 give 30-67, radius 4 at most 27, radius 6
# at most 9. Synthetic portraits are deliberately soft cartoons (20-27, and 3-4 after radius 2),
# so their bar is low: real selfies score in the hundreds, and field data may justify raising it.
BLUR_THRESHOLD: dict[str, float] = {"portrait": 10.0, "id_front": 60.0, "id_back": 60.0}
# Largest clipped-white blob as a share of the card: 1.5% of an ID-1 card is a ~10 mm spot, enough
# to hide a date or a third of the QR. On synthetic photos (seeds 5000-5149 and 7000-7149) clean
# ones peak at 1.1% (a lighting gradient clipping one corner of the white card: overexposed,
# but still legible) and 0.7% on the other seeds; phone and hard photos, drawn with a glare
# blob 30% and 70% of the time, exceed 1.5% in ~5% and ~35% of cases.
GLARE_MAX_SHARE = 0.015


def assess_image(kind: ImageKind, image: Image.Image) -> list[Finding]:
    """Every quality finding for one submitted photo; an empty list means it looks usable."""
    work = prepare(image)
    findings = [too_small(kind, image.size), blurred(kind, work.gray)]
    if kind == "portrait":
        # No glare check: a portrait's white background is required, not a reflection.
        findings.append(face_count(work.gray))
    else:
        card = find_card(work.gray)
        # Blur also wipes out the outline and the print the card check looks for; "show all
        # four corners" would send the person after the wrong problem.
        if findings[1] is None:
            findings.append(no_card(kind, card))
        findings.append(glare(kind, work.rgb, card))
    return [finding for finding in findings if finding is not None]


def too_small(kind: ImageKind, size: tuple[int, int]) -> Finding | None:
    width, height = size
    if min(width, height) >= MIN_SHORT_SIDE[kind]:
        return None
    advice = (
        "Hãy chụp lại ở độ phân giải đầy đủ, khuôn mặt chiếm phần lớn khung hình."
        if kind == "portrait"
        else "Hãy chụp lại gần hơn để thẻ chiếm gần hết khung hình, "
        "không gửi ảnh đã thu nhỏ hay ảnh chụp màn hình."
    )
    return image_finding(
        "image_too_small",
        "error",
        f"{image_label(kind)} quá nhỏ ({width} x {height} điểm ảnh; cạnh ngắn cần ít nhất "
        f"{MIN_SHORT_SIDE[kind]} điểm ảnh) nên không xem rõ được chi tiết. {advice}",
        kind,
    )


def blurred(kind: ImageKind, gray: Gray) -> Finding | None:
    if sharpness(gray) >= BLUR_THRESHOLD[kind]:
        return None
    return image_finding(
        "image_blurred",
        "error",
        f"{image_label(kind)} bị mờ, không đọc rõ được chi tiết. "
        "Hãy chụp lại: giữ chắc điện thoại, chạm vào màn hình để lấy nét và chụp ở nơi "
        "đủ ánh sáng.",
        kind,
    )


def glare(kind: ImageKind, rgb: Rgb, card: Quad | None) -> Finding | None:
    share = glare_share(rgb, card)
    if share <= GLARE_MAX_SHARE:
        return None
    area = "diện tích thẻ" if card is not None else "khung hình"
    return image_finding(
        "image_glare",
        "warning",
        f"{image_label(kind)} bị lóa sáng: vùng chói chiếm khoảng "
        f"{max(1, round(share * 100))}% {area}, "
        "có thể che mất chữ hoặc mã QR. Hãy chụp lại, tắt đèn flash và nghiêng nhẹ thẻ "
        "để tránh ánh đèn phản chiếu.",
        kind,
    )


def face_count(gray: Gray) -> Finding | None:
    """None when there is exactly one face, or when no face detector is installed."""
    count = count_faces(gray)
    return None if count is None else face_count_finding(count)


def face_count_finding(count: int) -> Finding | None:
    if count == 1:
        return None
    return image_finding(
        "portrait_face_count",
        "warning",
        f"Ảnh chân dung cần có đúng một khuôn mặt nhưng nhận diện được {count}. Hãy chụp lại "
        "chỉ một mình người được khai, nhìn thẳng vào máy ảnh, thấy rõ cả khuôn mặt, "
        "không đeo kính râm hay khẩu trang.",
        "portrait",
    )


def no_card(kind: ImageKind, card: Quad | None) -> Finding | None:
    if card is not None:
        return None
    return image_finding(
        "id_no_card",
        "warning",
        f"{image_label(kind)}: không nhận ra tấm thẻ với đủ bốn góc trong ảnh. Hãy đặt thẻ trên "
        "nền phẳng, trơn, khác màu với thẻ, chụp thẳng từ trên xuống và để thấy đủ cả bốn góc.",
        kind,
    )
