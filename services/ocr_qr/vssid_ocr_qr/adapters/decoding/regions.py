"""Finds where a QR code may be in a photo, so later ladder steps can work on close-ups."""

from dataclasses import dataclass

import cv2
import numpy as np
import zxingcpp
from numpy.typing import NDArray

Gray = NDArray[np.uint8]
_WORK_SIDE = 800  # texture search runs on a reduced copy: cheap and scale-stable
_MIN_AREA, _MAX_AREA = 0.002, 0.2  # share of the frame a QR on a card plausibly covers
_MAX_ASPECT = 2.0  # a QR seen under strong perspective is still far from a text line's shape
_MIN_SOLIDITY = 0.6
_QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)


@dataclass(frozen=True, slots=True)
class Region:
    """A candidate QR location: four corners in full-image pixels.

    Corners from zxing-cpp follow the symbol's reading order, so they can be rectified; those
    from the texture search are a rotated box in no particular order, good only for cropping.
    """

    source: str
    corners: NDArray[np.float32]

    @property
    def side(self) -> float:
        """The longest edge, a proxy for the code's size in pixels."""
        edges = self.corners - np.roll(self.corners, 1, axis=0)
        return float(np.linalg.norm(edges, axis=1).max())


def zxing_regions(gray: Gray) -> list[Region]:
    """Symbols zxing-cpp located but could not decode: precise corners for a rectified retry."""
    found = zxingcpp.read_barcodes(gray, formats=_QR_ONLY, return_errors=True, try_invert=False)
    regions = []
    for barcode in found:
        p = barcode.position
        points = [p.top_left, p.top_right, p.bottom_right, p.bottom_left]
        corners = np.array([[pt.x, pt.y] for pt in points], np.float32)
        regions.append(Region("zxing", corners))
    return regions


def texture_regions(gray: Gray, limit: int = 3) -> list[Region]:
    """Compact, dense blobs of edges: QR modules make far more edges per area than card print.

    Text lines also have many edges but are elongated, so an aspect limit removes them.
    """
    scale = min(1.0, _WORK_SIDE / max(gray.shape))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    edges = cv2.morphologyEx(small, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    _, mask = cv2.threshold(edges, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((7, 7), np.uint8))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    frame_area = float(mask.shape[0] * mask.shape[1])
    scored: list[tuple[float, Region]] = []
    for contour in contours:
        rect = cv2.minAreaRect(contour)
        w, h = rect[1]
        area = w * h
        if not _MIN_AREA * frame_area <= area <= _MAX_AREA * frame_area:
            continue
        if max(w, h) > _MAX_ASPECT * min(w, h):
            continue
        solidity = cv2.contourArea(contour) / area
        if solidity >= _MIN_SOLIDITY:
            corners = cv2.boxPoints(rect).astype(np.float32) / np.float32(scale)
            scored.append((area * solidity, Region("texture", corners)))
    scored.sort(key=lambda item: item[0], reverse=True)
    return [region for _, region in scored[:limit]]


def crop(gray: Gray, region: Region, target: int, reach: float = 0.75) -> Gray:
    """A square close-up centred on `region`, turned so its edges run along the image axes.

    The close-up spans `reach` x the region's longest side from the centre (0.75 keeps a quiet
    zone) and is resampled once, cubic, to `target` px: enough pixels per module for the
    binarizers, and finder patterns upright where the engines' row scans find them best.
    """
    centre = region.corners.mean(axis=0)
    edge = region.corners[1] - region.corners[0]
    # Any edge's angle folded into [-45°, 45°): the smallest turn that squares the code up.
    degrees = (np.degrees(np.arctan2(edge[1], edge[0])) + 45) % 90 - 45
    scale = target / (2 * reach * region.side)
    matrix = cv2.getRotationMatrix2D((float(centre[0]), float(centre[1])), degrees, scale)
    matrix[:, 2] += target / 2 - centre
    close_up = cv2.warpAffine(
        gray, matrix, (target, target), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
    )
    return np.asarray(close_up, np.uint8)


def rectify(gray: Gray, region: Region, side: int, margin: float = 0.12) -> Gray:
    """Undo the perspective of a located symbol: a square close-up `side` px wide."""
    inset = side * margin
    far = side - inset
    square = np.array([[inset, inset], [far, inset], [far, far], [inset, far]], np.float32)
    matrix = cv2.getPerspectiveTransform(region.corners, square)
    warped = cv2.warpPerspective(
        gray, matrix, (side, side), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
    )
    return np.asarray(warped, np.uint8)
