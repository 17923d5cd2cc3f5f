"""Finding the card in an ID photo: the largest quadrilateral with ID-1 proportions."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from vssid_ocr_qr.adapters.quality_measure import Gray, Quad

# Card outline: ID-1 card is 85.6 x 54 mm; a 35-degree tilt squeezes either side by up to ~20%.
CARD_ASPECT = 85.6 / 54.0
CARD_ASPECT_RANGE = (CARD_ASPECT * 0.75, CARD_ASPECT * 1.3)
# Canny hysteresis on the 5x5-smoothed copy. Calibrated on tests/support/cards.py photos, seeds
# 5000-5149: outlines missed (clean/phone/hard) 0/0/3 at 20/60, 0/4/21 at 40/100 (edges against
# a table of nearly the card's grey drop out), 3/5/35 at 10/30 (texture joins the outline).
# Card-free images (180 smoothed-noise frames, 30 table backgrounds, 30 ellipse
# collages, 30 portraits) gave 9 false outlines, all in noise smoothed at sigma 2-10.
CANNY = (20, 60)
MIN_CARD_SHARE = 0.08  # of the frame: a smaller quadrilateral is a detail, not the card
MAX_CARD_SHARE = 0.9  # a card filling a 4:3 frame edge to edge covers 84% of it
MIN_OPPOSITE_RATIO = 0.6  # far side / near side; see _card_shaped
# Polygon simplification tolerance, as shares of the perimeter, tried in turn (see _four_corners).
APPROX_STEPS = (0.02, 0.035, 0.05)
MIN_HULL_COVER = 0.92  # card outlines keep >= 0.97 of their hull; noise blobs lose ~20%
CUT_CORNER_SHARE = 0.4  # of the median side: a fifth side this short is a cut-off corner
BORDER_MARGIN = 0.01  # of the long side: points this close to the edge lie on the frame
CROPPED_TOLERANCE = 0.05  # a frame within 5% of ID-1's aspect may be a scan cropped to the card
# Share of edge pixels inside the quadrilateral (its outline excluded): a card carries print
# (text, photo, QR). Synthetic card photos score >= 0.034 (one hard outlier aside); smooth blobs
# in card-free textures that happen to have a card's outline score 0-0.02.
MIN_PRINT_SHARE = 0.025


def find_card(gray: Gray) -> Quad | None:
    """The largest card-shaped quadrilateral, from edges first, then from a brightness split."""
    smooth = np.asarray(cv2.GaussianBlur(gray, (5, 5), 0), np.uint8)
    edges = np.asarray(cv2.Canny(smooth, CANNY[0], CANNY[1]), np.uint8)
    split = _otsu_mask(smooth)
    for mask in (_edge_mask(edges), split, np.asarray(cv2.bitwise_not(split), np.uint8)):
        quad = _largest_card_quad(mask)
        if quad is not None and _printed(quad, edges):
            return quad
    return _cropped_card(gray)


def _printed(quad: Quad, edges: Gray) -> bool:
    """Whether the quadrilateral's inside carries print; its own outline is eroded away first."""
    inside = np.zeros_like(edges)
    cv2.fillConvexPoly(inside, quad.round().astype(np.int32), 255)
    inside = np.asarray(cv2.erode(inside, np.ones((9, 9), np.uint8)), np.uint8)
    area = int(np.count_nonzero(inside))
    return area > 0 and int(np.count_nonzero(edges & inside)) >= MIN_PRINT_SHARE * area


def _cropped_card(gray: Gray) -> Quad | None:
    """A scan cropped to the card's edges: the frame itself is the card, if it has its shape."""
    height, width = gray.shape
    ratio = max(width, height) / min(width, height)
    if abs(ratio - CARD_ASPECT) > CROPPED_TOLERANCE * CARD_ASPECT or float(gray.std()) < 1:
        return None
    return np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)


def _edge_mask(edges: Gray) -> Gray:
    # Dilation joins the card's outline to the print inside it, and closes the small gaps that
    # rounded corners and JPEG leave, so the card is one component whose hull is its outline.
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

    The 4 corners must cover nearly all of the hull, or the shape was a blob that merely
    simplifies to 4 points.
    """
    perimeter, area = cv2.arcLength(hull, True), cv2.contourArea(hull)
    for share in APPROX_STEPS:
        approx = cv2.approxPolyDP(hull, share * perimeter, True).reshape(-1, 2)
        corners = _restore_corner(approx.astype(np.float32)) if len(approx) == 5 else approx
        if corners is not None and len(corners) == 4:
            quad = np.asarray(corners, np.float32)
            return quad if cv2.contourArea(quad) >= MIN_HULL_COVER * area else None
        if len(approx) < 4:
            return None
    return None


def _restore_corner(pentagon: Quad) -> Quad | None:
    """A corner cut off where the outline was too faint to trace leaves a short fifth side:
    extend its two neighbours until they meet, where the corner was."""
    sides = np.linalg.norm(np.roll(pentagon, -1, axis=0) - pentagon, axis=1)
    cut = int(np.argmin(sides))
    if sides[cut] > CUT_CORNER_SHARE * float(np.median(sides)):
        return None  # no side is short enough to be a cut corner: a real pentagon
    corner = [pentagon[(cut + k) % 5] for k in range(-1, 3)]
    meet = np.cross(_line(corner[0], corner[1]), _line(corner[2], corner[3]))
    if abs(meet[2]) < 1e-6:
        return None  # the neighbours are parallel: nothing was cut off
    kept = [pentagon[(cut + k) % 5] for k in (2, 3, 4)]
    return np.array([*kept, meet[:2] / meet[2]], np.float32)


def _line(start: NDArray[np.float32], end: NDArray[np.float32]) -> NDArray[np.float64]:
    """The line through two points, in homogeneous coordinates (its cross with another line is
    their intersection)."""
    return np.cross(
        np.append(start, 1.0).astype(np.float64), np.append(end, 1.0).astype(np.float64)
    )


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
