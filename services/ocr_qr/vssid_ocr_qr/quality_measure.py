"""Numeric photo measures (sharpness, glare, card outline) on one downscaled working copy."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image

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
# Card outline: ID-1 card is 85.6 x 54 mm; a 35-degree tilt squeezes either side by up to ~20%.
CARD_ASPECT = 85.6 / 54.0
CARD_ASPECT_RANGE = (CARD_ASPECT * 0.75, CARD_ASPECT * 1.3)
# Canny hysteresis on the 5x5-smoothed copy: low enough to follow a card edge against a table only
# ~25 grey levels darker (synthetic phone photos: 40/40 outlines found vs 37/40 at 10/30, 39/40 at
# 40/100), high enough that JPEG blocks and sensor noise do not join up.
CANNY = (20, 60)
MIN_CARD_SHARE = 0.08  # of the frame: a smaller quadrilateral is a detail, not the card
BORDER_MARGIN = 0.01  # of the long side: corners this close to the edge lie on the frame
CROPPED_TOLERANCE = 0.05  # a frame within 5% of ID-1's aspect may be a scan cropped to the card


@dataclass(frozen=True)
class Work:
    """The downscaled RGB and grey copies every check reads."""

    rgb: Rgb
    gray: Gray


def prepare(image: Image.Image) -> Work:
    """Downscale once (area averaging, no aliasing) and derive the grey copy from the small one."""
    rgb = np.asarray(image if image.mode == "RGB" else image.convert("RGB"), dtype=np.uint8)
    factor = WORK_LONG_SIDE / max(rgb.shape[:2])
    if factor < 1:
        rgb = np.asarray(
            cv2.resize(rgb, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA), np.uint8
        )
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
    clipped = np.all(rgb > GLARE_LEVEL, axis=2).astype(np.uint8)
    area = float(clipped.size)
    if quad is not None:
        # Only glare over the card matters: a white sheet or wall around it hides nothing.
        inside = np.zeros_like(clipped)
        cv2.fillConvexPoly(inside, quad.round().astype(np.int32), 1)
        clipped &= inside
        area = max(float(inside.sum()), 1.0)
    count, _, stats, _ = cv2.connectedComponentsWithStats(clipped, connectivity=8)
    if count < 2:  # label 0 is the background
        return 0.0
    return float(stats[1:, cv2.CC_STAT_AREA].max()) / area


def find_card(gray: Gray) -> Quad | None:
    """The largest card-shaped quadrilateral, from edges first, then from a brightness split."""
    smooth = np.asarray(cv2.GaussianBlur(gray, (5, 5), 0), np.uint8)
    for mask in (_edge_mask(smooth), _otsu_mask(smooth)):
        quad = _largest_card_quad(mask)
        if quad is not None:
            return quad
    return _cropped_card(gray)


def _cropped_card(gray: Gray) -> Quad | None:
    """A scan cropped to the card's edges: the frame itself is the card, if it has its shape."""
    height, width = gray.shape
    ratio = max(width, height) / min(width, height)
    if abs(ratio - CARD_ASPECT) > CROPPED_TOLERANCE * CARD_ASPECT or float(gray.std()) < 1:
        return None
    return np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)


def _edge_mask(smooth: Gray) -> Gray:
    # Canny thresholds follow the photo's own median so dim and bright shots behave alike;
    # dilation closes the gaps that the card's rounded corners and glare leave in its outline.
    edges = cv2.Canny(smooth, CANNY[0], CANNY[1])
    return np.asarray(cv2.dilate(edges, np.ones((3, 3), np.uint8), iterations=2), np.uint8)


def _otsu_mask(smooth: Gray) -> Gray:
    # A light card on a darker table (or the reverse) splits cleanly even with weak edges.
    _, binary = cv2.threshold(smooth, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return np.asarray(binary, np.uint8)


def _largest_card_quad(mask: Gray) -> Quad | None:
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    # The hull, not the contour: an outline broken where the table matches the card's colour
    # still spans the card, and its hull is the card's quadrilateral.
    hulls = sorted((cv2.convexHull(c) for c in contours), key=cv2.contourArea, reverse=True)
    for hull in hulls[:5]:
        if cv2.contourArea(hull) < MIN_CARD_SHARE * mask.size:
            return None
        approx = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
        quad = approx.reshape(-1, 2).astype(np.float32)
        if len(quad) == 4 and _inside_frame(quad, mask.shape) and _card_aspect(quad):
            return quad
    return None


def _inside_frame(quad: Quad, shape: tuple[int, ...]) -> bool:
    """A corner on the frame's edge means the frame (or a cut-off card), not a whole card."""
    margin = BORDER_MARGIN * max(shape)
    xs, ys = quad[:, 0], quad[:, 1]
    return bool(
        xs.min() > margin
        and ys.min() > margin
        and xs.max() < shape[1] - 1 - margin
        and ys.max() < shape[0] - 1 - margin
    )


def _card_aspect(quad: Quad) -> bool:
    """Mean of opposite sides as width and height: tolerant of perspective's trapezoid."""
    sides = np.linalg.norm(quad - np.roll(quad, -1, axis=0), axis=1)
    first, second = (sides[0] + sides[2]) / 2, (sides[1] + sides[3]) / 2
    if min(first, second) <= 0:
        return False
    ratio = max(first, second) / min(first, second)
    return bool(CARD_ASPECT_RANGE[0] <= ratio <= CARD_ASPECT_RANGE[1])
