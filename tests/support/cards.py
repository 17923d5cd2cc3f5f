"""Synthetic card photos (clean, phone, hard) and portraits for QR tests and the bench."""

import io
import math
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np
import segno
from numpy.typing import NDArray
from PIL import Image

Level = Literal["clean", "phone", "hard"]
Gray = NDArray[np.float32]
CARD_MM = (85.6, 54.0)  # ID-1 format, both the CCCD and the plastic BHYT card
_PX_PER_MM = 14.0

# DOMAIN.md §10 verbatim (fake people): five CCCD payloads, then five BHYT payloads.
DOMAIN_PAYLOADS: tuple[str, ...] = tuple(
    """
048090900101|201234567|Nguyễn Văn Bảo|15031990|Nam|Tổ 5, Phường Chính Gián, Quận Thanh Khê, Đà Nẵng|12052021
048185900102||Trần Thị Mai Anh|02111985|Nữ|45 Hà Huy Tập, Phường Hòa Khê, Quận Thanh Khê, Đà Nẵng|20042021
048301900103||Lê Ngọc Hân|09072001|Nữ|112 Điện Biên Phủ, Phường Chính Gián, Quận Thanh Khê, Đà Nẵng|15102024||||
048202900104||Võ Minh Khang|23022002|Nam|Tổ 3, Phường Thanh Khê, Thành phố Đà Nẵng|05082025||||
049078900105|205678901|Phạm Văn Lộc|30121978|Nam|Thôn 2, Xã Hòa Phong, Huyện Hòa Vang, Đà Nẵng|18062022
GD4484890012345|4e677579e1bb856e2056c4836e2042e1baa36f|15/03/1990|1|54e1bb9520352c204368c3ad6e68204769c3a16e2c205468616e68204b68c3aa2c20c490c3a0204ee1bab56e67|48 - 017|01/01/2024|31/12/2024|15/12/2023|48024890012345|-|4|01/01/2029|a4c123b1612dd272-d137|$
HS4484890012346|4cc3aa2047696120487579|20/10/2012|1|31313220c49069e1bb876e204269c3aa6e205068e1bba72c205468616e68204b68c3aa|48 - 017|01/01/2025|31/12/2025|10/12/2024|48024890012346|4cc3aa204e67e1bb8d632048c3a26e|4|01/01/2030|1c17149d439536b3-216f|$
4890012347|5472e1baa76e205468e1bb8b204d616920416e68|02/11/1985|2|-|48 - 017|01/01/2025|-|20/12/2024|48024890012347|-|4| 01/01/2030|daeeb975729fae92-3d5a|4|5175e1baad6e205468616e68204b68c3aa2c20c490c3a0204ee1bab56e67|$
TE1484890012348|56c3b52042e1baa36f204e67e1bb8d63|14/06/2021|2|54e1bb9520332c205468616e68204b68c3aa2c20c490c3a0204ee1bab56e67|48 - 017|14/06/2021|13/06/2027|01/07/2021|48024890012348|56c3b5204d696e68204b68616e67|4|-|4fd12aabfe228f21-9e9c|$
HT3484890012349|c490e1bab76e672056c4836e2054c6b0|1958|1|3237205472e1baa76e2043616f2056c3a26e2c205468616e68204b68c3aa|48 - 017|01/01/2025|31/12/2025|05/12/2024|48024890012349|-|4|01/01/2018|b0eb53f16947ccf2-5ec8|$
""".strip().splitlines()  # noqa: E501
)


@dataclass(frozen=True)
class Camera:
    """Ranges a photo's conditions are drawn from; one instance per level."""

    long_side: tuple[int, int]  # output image, px
    card_fill: tuple[float, float]  # card extent / frame extent
    module_mm: tuple[float, float]  # printed size of one QR module
    tilt_deg: float  # max out-of-plane tilt (perspective)
    roll_deg: float  # max in-plane rotation
    blur: tuple[float, float]  # Gaussian sigma, output px
    motion_p: float  # chance of a motion-blur streak ...
    motion_px: tuple[int, int]  # ... and its length
    noise: tuple[float, float]  # sensor noise sigma, grey levels
    light: tuple[float, float]  # scene brightness factor (dim rooms are < 1)
    glare_p: float  # chance of a specular glare blob ...
    glare_peak: tuple[float, float]  # ... and the grey levels it adds at its centre
    jpeg: tuple[int, int]


# Columns: long_side, card_fill, module_mm, tilt_deg, roll_deg, blur, motion_p, motion_px, noise,
# light, glare_p, glare_peak, jpeg (see Camera).
CAMERAS: dict[Level, Camera] = {
    # A flat, well-lit, scanner-like shot.
    "clean": Camera((1400, 1600), (0.8, 0.9), (0.30, 0.34), 0, 2, (0, 0.3),
                    0, (0, 0), (0, 1), (0.95, 1), 0, (0, 0), (92, 95)),
    # A careful handheld photo, resized to a usual upload size.
    "phone": Camera((1600, 2000), (0.6, 0.85), (0.27, 0.33), 12, 15, (0.4, 0.9),
                    0.1, (2, 4), (2, 4), (0.8, 1), 0.3, (40, 110), (70, 85)),
    # Hurried: far away, steeply tilted, shaken, dim, glossy glare, heavy compression.
    "hard": Camera((1600, 2000), (0.5, 0.7), (0.27, 0.32), 35, 35, (0.5, 1.0),
                   0.35, (3, 7), (3, 6), (0.5, 0.85), 0.7, (120, 260), (40, 60)),
}  # fmt: skip


def _f32(array: object) -> Gray:
    return np.asarray(array, np.float32)


def _qr_modules(payload: str | bytes) -> NDArray[np.bool_]:
    # Bytes go in as they are: tests need payloads that are not UTF-8.
    encoding = "utf-8" if isinstance(payload, str) else None
    qr = segno.make_qr(payload, encoding=encoding, mode="byte", error="m")
    return np.array([[v == 1 for v in row] for row in qr.matrix_iter(border=2)], dtype=np.bool_)


def _card(
    payload: str | bytes, module_mm: tuple[float, float], rng: np.random.Generator
) -> tuple[Gray, tuple[int, int, int]]:
    """Render the card face in card space; return it and the QR box (x, y, side)."""
    w, h = (round(mm * _PX_PER_MM) for mm in CARD_MM)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    # Light, low-contrast guilloche like the security print behind the text.
    card = 225 + 12 * np.sin(xx / rng.uniform(9, 15) + 3 * np.sin(yy / rng.uniform(20, 40)))
    card[: h // 7] -= 35  # header band (national emblem, title)
    face = (round(w * 0.05), round(h * 0.3), round(w * 0.25), round(h * 0.62))
    card[face[1] : face[1] + face[3], face[0] : face[0] + face[2]] = rng.uniform(110, 170)
    for row in range(6):  # text-like lines: words of dark dashes
        y, x = round(h * (0.3 + 0.1 * row)), round(w * 0.34)
        while x < w * (0.62 if row < 2 else 0.94):
            word = round(rng.uniform(0.02, 0.08) * w)
            card[y : y + round(h * 0.035), x : x + word] = rng.uniform(30, 70)
            x += word + round(0.012 * w)
    modules = _qr_modules(payload)
    side = round(len(modules) * rng.uniform(*module_mm) * _PX_PER_MM)
    # Printed crisp: draw 8 px per module, then area-average down to the printed size.
    sharp = np.kron((~modules).astype(np.float32) * 205 + 20, np.ones((8, 8), np.float32))
    qr = cv2.resize(sharp, (side, side), interpolation=cv2.INTER_AREA)
    x0, y0 = w - side - round(w * 0.03), round(h * 0.04)
    card[y0 : y0 + side, x0 : x0 + side] = qr
    return card.astype(np.float32), (x0, y0, side)


def _project(w: int, h: int, cam: Camera, out_w: int, out_h: int, rng: np.random.Generator) -> Gray:
    """Card corners seen by a pinhole camera after tilt, roll and placement in the frame."""
    corners = np.array(
        [[-w / 2, -h / 2, 0], [w / 2, -h / 2, 0], [w / 2, h / 2, 0], [-w / 2, h / 2, 0]]
    )
    ax, ay = np.radians(rng.uniform(-cam.tilt_deg, cam.tilt_deg, 2))
    rz = np.radians(rng.uniform(-cam.roll_deg, cam.roll_deg))
    rx = np.array([[1, 0, 0], [0, math.cos(ax), -math.sin(ax)], [0, math.sin(ax), math.cos(ax)]])
    ry = np.array([[math.cos(ay), 0, math.sin(ay)], [0, 1, 0], [-math.sin(ay), 0, math.cos(ay)]])
    rot = np.array([[math.cos(rz), -math.sin(rz), 0], [math.sin(rz), math.cos(rz), 0], [0, 0, 1]])
    world = corners @ (rot @ ry @ rx).T + np.array([0, 0, 1.6 * w])  # a phone ~1.6 card widths away
    flat = world[:, :2] / world[:, 2:] * 1.6 * w
    span = flat.max(axis=0) - flat.min(axis=0)
    # The card fills a share of whichever frame side constrains it, as a person frames it.
    flat *= rng.uniform(*cam.card_fill) * min(out_w / span[0], out_h / span[1])
    span = flat.max(axis=0) - flat.min(axis=0)
    slack = np.maximum(np.array([out_w, out_h]) - span, 0)
    offset = rng.uniform(0, 1, 2) * slack - flat.min(axis=0)
    return _f32(flat + offset)


def _background(out_w: int, out_h: int, rng: np.random.Generator) -> Gray:
    coarse = rng.uniform(60, 200, (6, 8)).astype(np.float32)
    base = _f32(cv2.resize(coarse, (out_w, out_h), interpolation=cv2.INTER_CUBIC))
    return base + rng.normal(0, 6, (out_h, out_w)).astype(np.float32)


def _lighting(
    img: Gray, cam: Camera, quad: Gray, qr_centre: Gray, rng: np.random.Generator
) -> Gray:
    h, w = img.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    gx, gy = rng.uniform(-0.25, 0.25, 2)
    img = img * rng.uniform(*cam.light) * (1 + gx * (xx / w - 0.5) + gy * (yy / h - 0.5))
    if rng.uniform() < cam.glare_p:
        # Glare on a glossy card: often near the QR, which sits under the laminate's sheen.
        anchor = (
            qr_centre
            if rng.uniform() < 0.5
            else quad[rng.integers(0, 4)] * 0.3 + quad.mean(0) * 0.7
        )
        cx, cy = anchor + rng.normal(0, 0.06 * w, 2)
        r = rng.uniform(0.03, 0.08) * w
        img = img + rng.uniform(*cam.glare_peak) * np.exp(
            -((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * r * r)
        )
    return img


def _optics(img: Gray, cam: Camera, rng: np.random.Generator) -> Gray:
    sigma = rng.uniform(*cam.blur)
    if sigma > 0.05:
        img = _f32(cv2.GaussianBlur(img, (0, 0), sigma))
    if rng.uniform() < cam.motion_p:
        length = int(rng.integers(*cam.motion_px, endpoint=True))
        kernel = np.zeros((length, length), np.float32)
        kernel[length // 2, :] = 1 / length
        rot = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), rng.uniform(0, 180), 1)
        img = _f32(cv2.filter2D(img, -1, cv2.warpAffine(kernel, rot, (length, length))))
    return img + rng.normal(0, rng.uniform(*cam.noise), img.shape).astype(np.float32)


def _jpeg_rgb(rgb: NDArray[np.float32], quality: int) -> bytes:
    out = io.BytesIO()
    Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


def render_card_photo(payload: str | bytes, level: Level, seed: int) -> bytes:
    """A JPEG photo of a card whose QR (byte mode; text as UTF-8) holds `payload`.

    Deterministic: the same payload, level and seed give the same bytes.
    """
    cam, rng = CAMERAS[level], np.random.default_rng(seed)
    card, (qx, qy, qs) = _card(payload, cam.module_mm, rng)
    long_side = int(rng.integers(*cam.long_side, endpoint=True))
    out_w, out_h = (
        (long_side, long_side * 3 // 4) if rng.uniform() < 0.7 else (long_side * 3 // 4, long_side)
    )
    h, w = card.shape
    quad = _project(w, h, cam, out_w, out_h, rng)
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    scale = float(np.linalg.norm(quad[1] - quad[0])) / w
    if scale < 1:  # shrink first so the warp does not alias the fine QR modules
        small = _f32(cv2.resize(card, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA))
        card, src = small, src * np.float32(small.shape[1] / w)
    matrix = cv2.getPerspectiveTransform(src, quad)
    warped = cv2.warpPerspective(card, matrix, (out_w, out_h), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.ones_like(card), matrix, (out_w, out_h), flags=cv2.INTER_LINEAR)
    img = warped * mask + _background(out_w, out_h, rng) * (1 - mask)
    centre = np.array([[[qx + qs / 2, qy + qs / 2]]], np.float32) * (src[1, 0] / w)
    qr_centre = cv2.perspectiveTransform(centre, matrix)[0, 0]
    img = _optics(_lighting(img, cam, quad, qr_centre, rng), cam, rng)
    tint = rng.uniform(0.9, 1.05, 3).astype(np.float32)
    return _jpeg_rgb(img[:, :, None] * tint, int(rng.integers(*cam.jpeg, endpoint=True)))


def render_portrait(seed: int) -> bytes:
    """A 600x800 JPEG selfie-like picture (head, shoulders, plain wall) with no QR code."""
    rng = np.random.default_rng(seed)
    img = np.full((800, 600, 3), rng.uniform(170, 235, 3), np.float32)
    img += np.linspace(-20, 20, 800, dtype=np.float32)[:, None, None]
    skin = rng.uniform([150, 110, 90], [230, 190, 160]).astype(np.float32).tolist()
    cx, cy = int(rng.integers(270, 330)), int(rng.integers(300, 360))
    cv2.ellipse(img, (cx, 900), (260, 260), 0, 180, 360, rng.uniform(20, 120, 3).tolist(), -1)
    cv2.rectangle(img, (cx - 50, cy + 100), (cx + 50, 660), skin, -1)  # neck
    cv2.ellipse(img, (cx, cy), (120, 160), 0, 0, 360, skin, -1)
    cv2.ellipse(img, (cx, cy - 90), (130, 90), 0, 180, 360, rng.uniform(10, 60, 3).tolist(), -1)
    for dx in (-45, 45):
        cv2.circle(img, (cx + dx, cy - 20), 12, (40, 30, 30), -1)
    cv2.ellipse(img, (cx, cy + 70), (40, 14), 0, 0, 180, (120, 60, 60), 4)
    blurred = _f32(cv2.GaussianBlur(img, (0, 0), 1.5))
    return _jpeg_rgb(blurred + rng.normal(0, 3, img.shape).astype(np.float32), 85)


def render_clean_portrait(seed: int) -> bytes:
    """A 600x800 JPEG ID-style portrait that passes ocr_qr's portrait checks honestly.

    Plain light backdrop, the face shaded towards its outline, darker eye sockets under the
    pupils (the eye band darker than the cheeks, which a frontal-face detector looks for), a lens
    blur of 0.6 px and faint sensor noise. Seeds 0-199: one face each by OpenCV's Haar cascade,
    sharpness 115-304 (10x the portrait bar and more; `render_portrait` scores 19-27); each seed
    gives different bytes, so two cases never share a photo.
    """
    rng = np.random.default_rng(seed)
    img = np.full((800, 600, 3), rng.uniform(215, 240), np.float32)
    skin = rng.uniform([170, 125, 100], [225, 180, 150]).astype(np.float32)
    cx, cy = int(rng.integers(285, 315)), int(rng.integers(330, 360))
    cv2.ellipse(img, (cx, 900), (270, 260), 0, 180, 360, rng.uniform(20, 110, 3).tolist(), -1)
    cv2.rectangle(img, (cx - 55, cy + 110), (cx + 55, 670), (skin * 0.85).tolist(), -1)  # neck
    cv2.ellipse(img, (cx, cy), (125, 165), 0, 0, 360, skin.tolist(), -1)
    # Round, lit from the front: the face darkens towards its outline.
    yy, xx = np.mgrid[0:800, 0:600].astype(np.float32)
    r = ((xx - cx) / 125) ** 2 + ((yy - cy) / 165) ** 2
    img = np.where((r < 1)[..., None], img * (1 - 0.25 * r[..., None] ** 2), img)
    cv2.ellipse(img, (cx, cy - 95), (135, 90), 0, 180, 360, rng.uniform(10, 50, 3).tolist(), -1)
    for dx in (-45, 45):
        cv2.ellipse(img, (cx + dx, cy - 22), (32, 17), 0, 0, 360, (skin * 0.7).tolist(), -1)
        cv2.circle(img, (cx + dx, cy - 20), 11, (40, 30, 30), -1)
    cv2.ellipse(img, (cx, cy + 40), (14, 8), 0, 0, 360, (skin * 0.75).tolist(), -1)  # nose
    cv2.ellipse(img, (cx, cy + 70), (40, 14), 0, 0, 180, (120, 60, 60), 4)  # mouth
    sharp = _f32(cv2.GaussianBlur(_f32(img), (0, 0), 0.6))
    return _jpeg_rgb(sharp + rng.normal(0, 2, img.shape).astype(np.float32), 92)
