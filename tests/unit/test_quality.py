"""Photo quality findings: what a clerk is told about size, blur, glare, card outline and faces."""

import io
import math
import unicodedata
from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from tests.support.cards import CAMERAS, DOMAIN_PAYLOADS, _card, _project, render_card_photo
from tests.support.cards import render_portrait as _render_portrait
from vssid_ocr_qr.adapters import quality, quality_faces
from vssid_ocr_qr.adapters.quality import (
    BLUR_THRESHOLD,
    GLARE_MAX_SHARE,
    MIN_SHORT_SIDE,
    ImageKind,
    assess_image,
    blurred,
    face_count_finding,
    glare,
    no_card,
    too_small,
)
from vssid_ocr_qr.adapters.quality_card import find_card
from vssid_ocr_qr.adapters.quality_faces import count_faces, face_detector_available
from vssid_ocr_qr.adapters.quality_measure import (
    WORK_LONG_SIDE,
    Gray,
    Quad,
    glare_share,
    prepare,
    sharpness,
)
from vssid_ocr_qr.domain.findings import MAX_LISTED_REFERENCES, Finding, reused_image_finding

LABELS: dict[str, str] = {
    kind: unicodedata.normalize("NFC", label)
    for kind, label in {
        "portrait": "Ảnh chân dung",
        "id_front": "Ảnh mặt trước giấy tờ",
        "id_back": "Ảnh mặt sau giấy tờ",
    }.items()
}
ID_KINDS: tuple[ImageKind, ...] = ("id_front", "id_back")
# Clean synthetic photos; seed 4 is the portrait-oriented one (3:4 frame).
CLEAN_SEEDS = (1, 2, 3, 4)
# Seeds whose card leaves a wide strip of table (>= 280 px) below it, room for a glare blob.
TABLE_SEEDS = (1, 3)
needs_face_detector = pytest.mark.skipif(
    not face_detector_available(), reason="this OpenCV build has no frontal-face Haar cascade"
)


@dataclass(frozen=True)
class CardPhoto:
    jpeg: bytes
    corners: Quad  # the card's true corners, in the photo's own pixels


@cache
def _card_photo(seed: int) -> CardPhoto:
    """A clean card photo, rendered once per seed, with the true card corners beside it.

    The corners come from replaying render_card_photo's first random draws (card face, frame size,
    projection) with the same seed; the frame size check catches a change in that order.
    """
    payload = DOMAIN_PAYLOADS[seed % len(DOMAIN_PAYLOADS)]
    jpeg = render_card_photo(payload, "clean", seed)
    cam, rng = CAMERAS["clean"], np.random.default_rng(seed)
    card, _ = _card(payload, cam.module_mm, rng)
    long_side = int(rng.integers(*cam.long_side, endpoint=True))
    landscape = rng.uniform() < 0.7
    size = (long_side, long_side * 3 // 4) if landscape else (long_side * 3 // 4, long_side)
    corners = _project(card.shape[1], card.shape[0], cam, *size, rng)
    assert Image.open(io.BytesIO(jpeg)).size == size, "cards.py changed its order of draws"
    return CardPhoto(jpeg, np.asarray(corners, np.float32))


def _photo(seed: int) -> Image.Image:
    """A fresh decode each time: tests paint on their copy, the cached bytes stay clean."""
    image = Image.open(io.BytesIO(_card_photo(seed).jpeg))
    image.load()
    return image


@cache
def _portrait_jpeg(seed: int) -> bytes:
    return _render_portrait(seed)


def _portrait(seed: int) -> Image.Image:
    image = Image.open(io.BytesIO(_portrait_jpeg(seed)))
    image.load()
    return image


def _codes(findings: list[Finding]) -> list[str]:
    return [finding.code for finding in findings]


def _only(findings: list[Finding], code: str) -> Finding:
    matching = [finding for finding in findings if finding.code == code]
    assert len(matching) == 1, _codes(findings)
    return matching[0]


def _check_text(finding: Finding, kind: str) -> None:
    """Every message is NFC Vietnamese that names the photo it is about."""
    assert unicodedata.is_normalized("NFC", finding.message)
    assert finding.message.startswith(LABELS[kind])
    assert finding.image == kind


def _wall(noise: float) -> Image.Image:
    """A blank wall as render_portrait draws its background: a soft gradient, JPEG quality 85."""
    rng = np.random.default_rng(0)
    wall = np.full((800, 600, 3), (205, 200, 190), np.float32)
    wall += np.linspace(-20, 20, 800, dtype=np.float32)[:, None, None]
    wall += rng.normal(0, noise, wall.shape).astype(np.float32)
    out = io.BytesIO()
    Image.fromarray(np.clip(wall, 0, 255).astype(np.uint8), "RGB").save(out, "JPEG", quality=85)
    return Image.open(out)


def _smooth_texture(seed: int) -> Image.Image:
    """A card-free table: coarse random shading plus sensor noise, like the photos' background."""
    rng = np.random.default_rng(seed)
    coarse = rng.uniform(60, 200, (6, 8)).astype(np.float32)
    base = np.asarray(cv2.resize(coarse, (1600, 1200), interpolation=cv2.INTER_CUBIC), np.float32)
    grey = np.clip(base + rng.normal(0, 6, base.shape), 0, 255).astype(np.uint8)
    return Image.fromarray(grey, "L").convert("RGB")


def _fill(shape: tuple[int, ...], quad: Quad) -> Gray:
    mask = np.zeros(shape[:2], np.uint8)
    cv2.fillConvexPoly(mask, quad.round().astype(np.int32), 1)
    return mask


# --- clean photos --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ID_KINDS)
@pytest.mark.parametrize("seed", CLEAN_SEEDS)
def test_clean_card_photo_has_no_findings(seed: int, kind: ImageKind) -> None:
    """A flat, sharp, well-lit photo of a card must not bother the clerk at all."""
    assert assess_image(kind, _photo(seed)) == []


@pytest.mark.parametrize("seed", CLEAN_SEEDS)
def test_find_card_outlines_the_card(seed: int) -> None:
    """The quadrilateral is the card itself: it overlaps the true outline almost entirely."""
    photo = _photo(seed)
    work = prepare(photo)
    found = find_card(work.gray)
    assert found is not None
    assert found.shape == (4, 2)
    truth = _card_photo(seed).corners * np.float32(WORK_LONG_SIDE / max(photo.size))
    ours, theirs = _fill(work.gray.shape, found), _fill(work.gray.shape, truth)
    overlap = np.count_nonzero(ours & theirs) / np.count_nonzero(ours | theirs)
    assert overlap > 0.9
    # A faint corner (dark header band on a table of its grey) may be clipped: the centre holds.
    assert np.linalg.norm(found.mean(axis=0) - truth.mean(axis=0)) < 0.03 * WORK_LONG_SIDE


def test_scan_cropped_to_the_card_counts_as_a_card() -> None:
    """A scanner crop has no table around the card: the frame itself, with ID-1 proportions,
    is the card, and no id_no_card is raised."""
    photo = _card_photo(1)
    target = np.array([[0, 0], [1070, 0], [1070, 675], [0, 675]], np.float32)
    matrix = cv2.getPerspectiveTransform(photo.corners, target)
    scan = Image.fromarray(
        np.asarray(cv2.warpPerspective(np.asarray(_photo(1)), matrix, (1070, 675)), np.uint8)
    )
    height, width = prepare(scan).gray.shape
    found = find_card(prepare(scan).gray)
    assert found is not None
    assert found.tolist() == [[0, 0], [width, 0], [width, height], [0, height]]
    assert assess_image("id_front", scan) == []


# --- size ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ID_KINDS)
def test_downscaled_card_photo_is_too_small(kind: ImageKind) -> None:
    """Short side 500 < 600: the only problem, and the message gives the photo's pixel size."""
    photo = _photo(1)
    small = photo.resize((photo.width * 500 // photo.height, 500), Image.Resampling.LANCZOS)
    findings = assess_image(kind, small)
    assert _codes(findings) == ["image_too_small"]
    finding = findings[0]
    assert finding.severity == "error"
    _check_text(finding, kind)
    assert f"({small.width} x 500 điểm ảnh" in finding.message
    assert "ít nhất 600 điểm ảnh" in finding.message


@pytest.mark.parametrize(
    ("kind", "size", "small"),
    [
        ("id_front", (800, 600), False),
        ("id_back", (600, 800), False),
        ("id_front", (800, 599), True),
        ("id_back", (599, 4000), True),
        ("portrait", (300, 400), False),
        ("portrait", (400, 300), False),
        ("portrait", (299, 400), True),
    ],
)
def test_too_small_limit_is_the_short_side(
    kind: ImageKind, size: tuple[int, int], small: bool
) -> None:
    """600 px for cards, 300 px for portraits, whichever way the photo is turned."""
    finding = too_small(kind, size)
    assert (finding is not None) == small
    if finding is not None:
        _check_text(finding, kind)
        assert f"{size[0]} x {size[1]} điểm ảnh" in finding.message
        assert f"ít nhất {MIN_SHORT_SIDE[kind]} điểm ảnh" in finding.message


def test_small_portrait_is_too_small_with_portrait_advice() -> None:
    """A 225x300 portrait is below the 300 px bar, and the advice is about framing a face."""
    findings = assess_image("portrait", _portrait(1).resize((225, 300), Image.Resampling.LANCZOS))
    finding = _only(findings, "image_too_small")
    assert finding.severity == "error"
    _check_text(finding, "portrait")
    assert "(225 x 300 điểm ảnh" in finding.message
    assert "ít nhất 300 điểm ảnh" in finding.message
    assert "khuôn mặt" in finding.message


# --- blur ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ID_KINDS)
@pytest.mark.parametrize("seed", [1, 4])
def test_heavily_blurred_card_photo_is_blurred(seed: int, kind: ImageKind) -> None:
    """Radius 6 wipes out the print, and with it the card outline: blur is the one finding,
    so the person is not also sent looking for the card's corners."""
    findings = assess_image(kind, _photo(seed).filter(ImageFilter.GaussianBlur(6)))
    assert _codes(findings) == ["image_blurred"]
    finding = findings[0]
    assert finding.severity == "error"
    _check_text(finding, kind)
    assert "bị mờ" in finding.message
    assert "image_too_small" not in _codes(findings)


@pytest.mark.parametrize("seed", [1, 4])
def test_moderately_blurred_card_photo_is_only_blurred(seed: int) -> None:
    """At radius 4 the card is still found: blur is then the one and only finding."""
    findings = assess_image("id_back", _photo(seed).filter(ImageFilter.GaussianBlur(4)))
    assert _codes(findings) == ["image_blurred"]


def test_blurred_reads_the_threshold_of_the_kind() -> None:
    """A flat grey frame has no detail at all: blurred for every kind."""
    flat = np.full((600, 800), 128, np.uint8)
    assert sharpness(flat) == 0
    for kind in ("portrait", "id_front", "id_back"):
        finding = blurred(kind, flat)
        assert finding is not None
        assert finding.code == "image_blurred"
        _check_text(finding, kind)


# --- glare ---------------------------------------------------------------------------------------


def _blob_area(seed: int, share: float) -> float:
    return share * float(cv2.contourArea(_card_photo(seed).corners))


@pytest.mark.parametrize("kind", ID_KINDS)
@pytest.mark.parametrize("seed", TABLE_SEEDS)
def test_clipped_blob_on_the_card_is_glare(seed: int, kind: ImageKind) -> None:
    """A pure-white disc over 5% of the card hides print: a warning quoting about 5%."""
    photo, centre = _photo(seed), _card_photo(seed).corners.mean(axis=0)
    radius = math.sqrt(_blob_area(seed, 0.05) / math.pi)
    x, y = float(centre[0]), float(centre[1])
    ImageDraw.Draw(photo).ellipse((x - radius, y - radius, x + radius, y + radius), fill="white")

    work = prepare(photo)
    assert 0.04 < glare_share(work.rgb, find_card(work.gray)) < 0.06
    findings = assess_image(kind, photo)
    assert _codes(findings) == ["image_glare"]
    finding = findings[0]
    assert finding.severity == "warning"
    _check_text(finding, kind)
    assert "khoảng 5% diện tích thẻ" in finding.message


@pytest.mark.parametrize("seed", TABLE_SEEDS)
def test_clipped_blob_on_the_table_is_not_glare(seed: int) -> None:
    """The same blob on the table beside the card hides nothing: glare only counts over the card
    (over the whole frame it would pass the bar)."""
    photo, corners = _photo(seed), _card_photo(seed).corners
    card_bottom = float(corners[:, 1].max())
    gap = photo.height - card_bottom
    centre_x, centre_y = float(corners[:, 0].mean()), card_bottom + gap / 2
    half_height = 0.35 * gap
    half_width = _blob_area(seed, 0.05) / (math.pi * half_height)
    assert half_width < photo.width / 2
    box = (
        centre_x - half_width,
        centre_y - half_height,
        centre_x + half_width,
        centre_y + half_height,
    )
    ImageDraw.Draw(photo).ellipse(box, fill="white")

    work = prepare(photo)
    assert glare_share(work.rgb, None) > GLARE_MAX_SHARE
    assert find_card(work.gray) is not None
    assert assess_image("id_front", photo) == []


def test_glare_without_a_card_is_a_share_of_the_frame() -> None:
    """With no card found the share is of the whole frame, and the message says so."""
    rgb = np.full((600, 800, 3), 120, np.uint8)
    rgb[100:220, 100:220] = 255  # 14,400 px = 3% of the frame
    assert glare_share(rgb, None) == pytest.approx(0.03)
    finding = glare("id_back", rgb, None)
    assert finding is not None
    assert finding.code == "image_glare"
    assert finding.severity == "warning"
    _check_text(finding, "id_back")
    assert "khoảng 3% khung hình" in finding.message


def test_glare_at_or_under_the_bar_is_not_reported() -> None:
    """A 1% spot (the overexposed corner of a clean photo peaks near that) passes."""
    rgb = np.full((600, 800, 3), 120, np.uint8)
    rgb[100:160, 100:180] = 255  # 4,800 px = 1% of the frame
    assert glare_share(rgb, None) <= GLARE_MAX_SHARE
    assert glare("id_front", rgb, None) is None


# --- no card -------------------------------------------------------------------------------------


def test_plain_image_is_blurred_and_not_also_cardless() -> None:
    """One flat colour has no detail at all: blur says it, the card check stays quiet."""
    image = Image.new("RGB", (1600, 1200), (128, 128, 128))
    assert find_card(prepare(image).gray) is None
    assert _codes(assess_image("id_front", image)) == ["image_blurred"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_smooth_texture_without_card_has_no_card(seed: int) -> None:
    """A table photographed without the card is sharp enough, but has no card in it."""
    image = _smooth_texture(seed)
    assert find_card(prepare(image).gray) is None
    findings = assess_image("id_back", image)
    assert _codes(findings) == ["id_no_card"]
    _check_text(findings[0], "id_back")


def test_no_card_is_silent_when_a_card_was_found() -> None:
    quad = np.array([[0, 0], [10, 0], [10, 6], [0, 6]], np.float32)
    assert no_card("id_front", quad) is None
    finding = no_card("id_back", None)
    assert finding is not None
    assert (finding.code, finding.severity) == ("id_no_card", "warning")


# --- portraits and faces -------------------------------------------------------------------------


@pytest.mark.parametrize("count", [0, 2, 3])
def test_face_count_other_than_one_is_a_warning(count: int) -> None:
    finding = face_count_finding(count)
    assert finding is not None
    assert (finding.code, finding.severity) == ("portrait_face_count", "warning")
    _check_text(finding, "portrait")
    assert f"nhận diện được {count}." in finding.message


def test_exactly_one_face_is_fine() -> None:
    assert face_count_finding(1) is None


@pytest.mark.parametrize("seed", [1, 2])
def test_synthetic_portrait_passes_size_and_blur(seed: int) -> None:
    """The soft cartoon portraits sit above the portrait blur bar; no glare check on portraits."""
    findings = assess_image("portrait", _portrait(seed))
    assert [f for f in findings if f.code != "portrait_face_count"] == []
    if not face_detector_available():
        assert findings == []


def test_white_background_is_no_glare_on_a_portrait() -> None:
    """A portrait's white background is required, not a reflection."""
    portrait = _portrait(1)
    ImageDraw.Draw(portrait).rectangle((0, 0, 599, 150), fill=(255, 255, 255))
    assert "image_glare" not in _codes(assess_image("portrait", portrait))


@pytest.mark.parametrize("count", [0, 2])
def test_portrait_reports_the_detector_count(monkeypatch: pytest.MonkeyPatch, count: int) -> None:
    """assess_image wires the detector's count into the finding (detector stubbed out)."""

    def fake_count(gray: Gray) -> int:
        assert gray.ndim == 2
        assert max(gray.shape) <= WORK_LONG_SIDE
        return count

    monkeypatch.setattr(quality, "count_faces", fake_count)
    findings = assess_image("portrait", _portrait(1))
    finding = _only(findings, "portrait_face_count")
    assert f"nhận diện được {count}." in finding.message


def test_without_detector_faces_are_not_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    """An OpenCV build without the Haar cascade (5.x wheels): "not checked", not a crash."""
    monkeypatch.setattr(quality_faces, "_cascade", lambda: None)
    assert not face_detector_available()
    assert count_faces(prepare(_portrait(1)).gray) is None
    assert "portrait_face_count" not in _codes(assess_image("portrait", _portrait(1)))


@needs_face_detector
def test_detector_finds_one_face_in_a_synthetic_portrait() -> None:
    assert count_faces(prepare(_portrait(1)).gray) == 1


@needs_face_detector
def test_detector_finds_two_faces_side_by_side() -> None:
    pair = Image.new("RGB", (1200, 800))
    pair.paste(_portrait(1), (0, 0))
    pair.paste(_portrait(2), (600, 0))
    assert count_faces(prepare(pair).gray) == 2


@needs_face_detector
def test_detector_finds_no_face_on_a_wall() -> None:
    assert count_faces(prepare(_wall(3.0)).gray) == 0


def test_flat_wall_as_portrait_is_blurred() -> None:
    """A perfectly flat wall has no detail at all: blurred, and faceless where a detector is."""
    findings = assess_image("portrait", _wall(0.0))
    expected = ["image_blurred"] + (["portrait_face_count"] if face_detector_available() else [])
    assert _codes(findings) == expected
    _check_text(findings[0], "portrait")


def test_wall_sensor_noise_reads_as_portrait_detail() -> None:
    """Why a noisy blank wall passes the blur check: JPEG'd sensor noise of sigma 3 alone scores
    above the portrait bar, set low for the soft synthetic portraits."""
    assert sharpness(prepare(_wall(3.0)).gray) > BLUR_THRESHOLD["portrait"]
    expected = ["portrait_face_count"] if face_detector_available() else []
    assert _codes(assess_image("portrait", _wall(3.0))) == expected


def test_the_locked_opencv_has_a_face_detector() -> None:
    """OpenCV 5 dropped the Haar cascades; the lock keeps 4.x so the face check runs."""
    assert face_detector_available()


def test_blank_wall_is_not_accepted_as_a_portrait() -> None:
    """A photo with nobody in it must not go through as the applicant's portrait."""
    assert assess_image("portrait", _wall(3.0)) != []


# --- reuse ---------------------------------------------------------------------------------------


def test_reused_image_lists_five_references_then_the_rest() -> None:
    references = [f"HS-{number:03}" for number in range(1, 8)]
    finding = reused_image_finding("id_front", references)
    assert (finding.code, finding.severity) == ("image_reused", "error")
    _check_text(finding, "id_front")
    listed = ", ".join(references[:MAX_LISTED_REFERENCES])
    assert f"(mã hồ sơ: {listed} và 2 hồ sơ khác)" in finding.message
    assert "HS-006" not in finding.message


def test_reused_image_with_exactly_five_lists_them_all() -> None:
    references = [f"HS-{number:03}" for number in range(1, 6)]
    finding = reused_image_finding("portrait", references)
    _check_text(finding, "portrait")
    assert f"(mã hồ sơ: {', '.join(references)})" in finding.message
    assert "hồ sơ khác" not in finding.message


def test_reused_image_without_references_names_none() -> None:
    finding = reused_image_finding("id_back", [])
    _check_text(finding, "id_back")
    assert "mã hồ sơ" not in finding.message


def test_reused_image_message_is_normalised_after_interpolation() -> None:
    """A decomposed reference (NFD from some keyboard) still yields an NFC message."""
    decomposed = unicodedata.normalize("NFD", "HS-Đà-Nẵng-1")
    finding = reused_image_finding("selfie", [decomposed])
    assert unicodedata.is_normalized("NFC", finding.message)
    assert unicodedata.normalize("NFC", "HS-Đà-Nẵng-1") in finding.message
    assert finding.message.startswith("Ảnh trùng khớp")  # unknown kind: the generic label


# --- working copy and sharpness ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "shape"),
    [((4000, 3000), (600, 800)), ((3000, 4000), (800, 600)), ((1700, 900), (424, 800))],
)
def test_prepare_shrinks_to_the_working_long_side(
    size: tuple[int, int], shape: tuple[int, int]
) -> None:
    work = prepare(Image.new("RGB", size, (10, 200, 30)))
    assert work.rgb.shape == (*shape, 3)
    assert work.gray.shape == shape
    assert work.rgb.dtype == work.gray.dtype == np.uint8
    assert work.rgb[0, 0].tolist() == [10, 200, 30]


def test_prepare_never_enlarges() -> None:
    work = prepare(Image.new("RGB", (640, 480)))
    assert work.rgb.shape == (480, 640, 3)


@pytest.mark.parametrize("mode", ["L", "P", "RGBA", "CMYK", "I;16"])
def test_prepare_accepts_any_mode(mode: str) -> None:
    work = prepare(Image.new("RGB", (1000, 500), (90, 90, 90)).convert(mode))
    assert work.rgb.shape == (400, 800, 3)
    assert work.gray.shape == (400, 800)


def test_sharpness_is_roughly_scale_stable() -> None:
    """The same photo sent at 12 MP or shrunk to 1 MP is judged alike on the working copy."""
    photo = _photo(1)
    native = sharpness(prepare(photo).gray)
    sizes = [(4000, 3000), (1000, 750)]
    for size in sizes:
        scaled = sharpness(prepare(photo.resize(size, Image.Resampling.LANCZOS)).gray)
        assert scaled > BLUR_THRESHOLD["id_front"]
        assert 0.5 < scaled / native < 2


def test_transparent_pixels_are_judged_as_white_paper() -> None:
    clear = Image.new("RGBA", (900, 600), (0, 0, 0, 0))
    work = prepare(clear)
    assert int(work.gray.min()) == 255
    assert int(work.rgb.min()) == 255
