"""Numeric photo measures (sharpness, glare, card outline) on one downscaled working copy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
# Canny hysteresis on the 5x5-smoothed copy. Calibrated on tests/support/cards.py photos, seeds
# 5000-5149: outlines missed (clean/phone/hard) 0/0/3 at 20/60, 0/4/21 at 40/100 (edges against
# a table of nearly the card's grey drop out), 3/5/35 at 10/30 (texture joins the outline).
# Whole-frame textures without a card (240 smoothed-noise, blob and ellipse images) gave 3 hits.
CANNY = (20, 60)
MIN_CARD_SHARE = 0.08  # of the frame: a smaller quadrilateral is a detail, not the card
MAX_CARD_SHARE = 0.9  # a card filling a 4:3 frame edge to edge covers 84% of it
MIN_OPPOSITE_RATIO = 0.6  # far side / near side; see _card_shaped
# Polygon simplification tolerance, as shares of the perimeter, tried in turn (see _four_corners).
APPROX_STEPS = (0.02, 0.035, 0.05)
MIN_HULL_COVER = 0.9  # cut-corner cards keep >= 0.91 of their hull; noise blobs lose ~20%
BORDER_MARGIN = 0.01  # of the long side: points this close to the edge lie on the frame
CROPPED_TOLERANCE = 0.05  # a frame within 5% of ID-1's aspect may be a scan cropped to the card


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
    if image.mode not in ("RGB", "L", "RGBA"):
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


def find_card(gray: Gray) -> Quad | None:
    """The largest card-shaped quadrilateral, from edges first, then from a brightness split."""
    smooth = np.asarray(cv2.GaussianBlur(gray, (5, 5), 0), np.uint8)
    split = _otsu_mask(smooth)
    for mask in (_edge_mask(smooth), split, np.asarray(cv2.bitwise_not(split), np.uint8)):
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
    # Dilation joins the card's outline to the print inside it, and closes the small gaps that
    # rounded corners and JPEG leave, so the card is one component whose hull is its outline.
    edges = cv2.Canny(smooth, CANNY[0], CANNY[1])
    return np.asarray(cv2.dilate(edges, np.ones((3, 3), np.uint8), iterations=2), np.uint8)


def _otsu_mask(smooth: Gray) -> Gray:
    # A light card on a darker table splits cleanly even with weak edges (and the inverse mask
    # catches a dark card on a light table).
    _, binary = cv2.threshold(smooth, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return np.asarray(binary, np.uint8)


def _largest_card_quad(mask: Gray) -> Quad | None:
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    # The hull, not the contour: an outline broken where the table matches the card's colour
    # still spans the card, and its hull is the card's quadrilateral.
    hulls = sorted((cv2.convexHull(c) for c in contours), key=cv2.contourArea, reverse=True)
    for hull in hulls[:5]:
        area = cv2.contourArea(hull)
        if area < MIN_CARD_SHARE * mask.size:
            return None
        if area > MAX_CARD_SHARE * mask.size:
            continue  # the frame itself (noise or texture everywhere), not a card in it
        quad = _four_corners(hull)
        if quad is not None and _inside_frame(quad, mask.shape) and _card_shaped(quad):
            return quad
    return None


def _four_corners(hull: NDArray[Any]) -> Quad | None:
    """Simplify the hull to 4 corners, coarser step by step.

    A corner cut off where the outline was too faint to trace adds a short fifth side that a
    coarser pass absorbs; the 4 corners must still cover nearly all of the hull, or the shape was
    a blob that merely simplifies to 4 points.
    """
    perimeter, area = cv2.arcLength(hull, True), cv2.contourArea(hull)
    for share in APPROX_STEPS:
        approx = cv2.approxPolyDP(hull, share * perimeter, True).reshape(-1, 2)
        if len(approx) < 4:
            return None
        if len(approx) == 4:
            quad = approx.astype(np.float32)
            return quad if cv2.contourArea(quad) >= MIN_HULL_COVER * area else None
    return None


def _inside_frame(quad: Quad, shape: tuple[int, ...]) -> bool:
    """False when two or more sides run along the frame's edges: that is the frame, not a card.

    One side on the edge is allowed: people fill the frame, and the synthetic clean photos put
    ~7% of cards flush against one edge.
    """
    margin = BORDER_MARGIN * max(shape)
    limits = (shape[1] - 1, shape[0] - 1)
    on_edge = 0
    for start, end in zip(quad, np.roll(quad, -1, axis=0), strict=True):
        for axis in (0, 1):
            both = (start[axis], end[axis])
            on_edge += max(both) <= margin or min(both) >= limits[axis] - margin
    return on_edge < 2


def _card_shaped(quad: Quad) -> bool:
    """ID-1 proportions, judged on the mean of opposite sides so perspective's trapezoid passes.

    Opposite sides must also be of similar length: a tilted card's far side is at least ~70% of
    its near side, while a head-and-shoulders outline is a steep trapezoid.
    """
    sides = np.linalg.norm(quad - np.roll(quad, -1, axis=0), axis=1)
    if float(sides.min()) <= 0:
        return False
    pairs = ((sides[0], sides[2]), (sides[1], sides[3]))
    if any(min(pair) / max(pair) < MIN_OPPOSITE_RATIO for pair in pairs):
        return False
    first, second = (sum(pair) / 2 for pair in pairs)
    ratio = max(first, second) / min(first, second)
    return bool(CARD_ASPECT_RANGE[0] <= ratio <= CARD_ASPECT_RANGE[1])
