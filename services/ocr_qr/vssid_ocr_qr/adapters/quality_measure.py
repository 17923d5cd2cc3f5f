"""Numeric photo measures (sharpness, glare) on one downscaled working copy."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image

from vssid_ocr_qr.adapters.decoding.imageops import flatten

Gray = NDArray[np.uint8]
Rgb = NDArray[np.uint8]
Quad = NDArray[np.float32]  # 4 corners (x, y) in working-copy pixels

# Every measure runs on a copy whose long side is at most this: blur is then judged at the scale
# a clerk views the photo, and a 12 MP photo costs about as much as a 1 MP one.
WORK_LONG_SIDE = 800
# Sharpness is judged on a grid of tiles and the sharpest decile counts, so that a plain table or
# wall around the card does not read as blur; only a blur over the whole photo lowers it.
_TILES = 8
_SHARP_PERCENTILE = 90.0
# "Near white" in every channel: the sensor clipped, the print under it is lost.
GLARE_LEVEL = 250


@dataclass(frozen=True)
class Work:
    """The downscaled RGB and grey copies every check reads."""

    rgb: Rgb
    gray: Gray


def prepare(image: Image.Image) -> Work:
    """Downscale once (box then area averaging: no aliasing) and derive the grey copy from it.

    Pillow's integer `reduce` works on the image's own buffer, so a 12 MP photo is never copied
    whole into NumPy (that copy alone costs ~40 ms). It stops at twice the working size: a box
    step straight to it would soften the photo more than one area resize does and read as blur.
    """
    image = flatten(image)  # a transparent background is judged as white, not black
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")  # palette, CMYK, 16-bit: rare, and reduce() needs bands
    step = max(image.size) // (2 * WORK_LONG_SIDE)
    small = image.reduce(step) if step >= 2 else image
    rgb = np.asarray(small if small.mode == "RGB" else small.convert("RGB"), dtype=np.uint8)
    factor = WORK_LONG_SIDE / max(rgb.shape[:2])
    if factor < 1:
        resized = cv2.resize(rgb, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
        rgb = np.asarray(resized, np.uint8)
    return Work(rgb=rgb, gray=np.asarray(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), np.uint8))


def sharpness(gray: Gray) -> float:
    """Variance of the Laplacian in the sharpest tiles (high percentile over a tile grid)."""
    laplacian = np.asarray(cv2.Laplacian(gray, cv2.CV_32F), np.float32)
    rows = np.array_split(laplacian, min(_TILES, laplacian.shape[0]), axis=0)
    variances = [
        float(tile.var())
        for row in rows
        for tile in np.array_split(row, min(_TILES, laplacian.shape[1]), axis=1)
    ]
    return float(np.percentile(variances, _SHARP_PERCENTILE))


def glare_share(rgb: Rgb, quad: Quad | None) -> float:
    """Largest connected clipped-white blob, as a share of the card (or the frame if no card)."""
    bright = (GLARE_LEVEL + 1,) * 3
    clipped = np.asarray(cv2.inRange(rgb, bright, (255, 255, 255)), np.uint8)
    area = float(clipped.size)
    if quad is not None:
        # Only glare over the card matters: a white sheet or wall around it hides nothing.
        inside = np.zeros_like(clipped)
        cv2.fillConvexPoly(inside, quad.round().astype(np.int32), 255)
        clipped &= inside
        area = max(float(np.count_nonzero(inside)), 1.0)
    count, _, stats, _ = cv2.connectedComponentsWithStats(clipped, connectivity=8)
    if count < 2:  # label 0 is the background
        return 0.0
    return float(stats[1:, cv2.CC_STAT_AREA].max()) / area
