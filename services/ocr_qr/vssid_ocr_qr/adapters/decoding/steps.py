"""The preprocessing ladder's steps: each turns a photo into candidate images for the engines."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np

from vssid_ocr_qr.adapters.decoding import imageops as ops
from vssid_ocr_qr.adapters.decoding.imageops import Gray
from vssid_ocr_qr.adapters.decoding.regions import (
    Region,
    crop,
    rectify,
    texture_regions,
    zxing_regions,
)

_CLOSE_UP = 640  # px: ~6-9 px per module for the 45-69 module codes on CCCD and BHYT cards
_SMALL_IMAGE = 1000  # px long side below which the whole image is worth enlarging
# Whole-frame filters run on a copy at most this long: a 50 MP upload would otherwise cost
# seconds per filter, and a code too small to read at this size is read from close-ups instead.
_OVERVIEW = 2400


class Frame:
    """One photo being decoded; caches what several steps share (grey copy, located regions)."""

    def __init__(self, gray: Gray) -> None:
        self.gray = gray
        self.overview_scale = min(1.0, _OVERVIEW / max(gray.shape))

    @cached_property
    def overview(self) -> Gray:
        """The photo shrunk to at most _OVERVIEW px for whole-frame filters (itself if smaller)."""
        if self.overview_scale == 1.0:
            return self.gray
        return ops.downscale(self.gray, self.overview_scale)

    @cached_property
    def located(self) -> list[Region]:
        """Symbols zxing-cpp found but could not read, in the photo as is and sharpened."""
        found = zxing_regions(self.gray)
        if found:
            return found
        back = 1 / self.overview_scale  # sharpened overview corners back to full-size pixels
        sharp = zxing_regions(ops.sharpen(self.overview))
        return [Region(r.source, r.corners * np.float32(back)) for r in sharp]

    @cached_property
    def close_ups(self) -> list[Gray]:
        """Enlarged crops around compact, edge-dense blobs (the QR's texture)."""
        return [crop(self.gray, region, _CLOSE_UP) for region in texture_regions(self.gray)]

    @cached_property
    def quadrants(self) -> list[Gray]:
        """The four quarters and the centre, enlarged: a blind search when nothing was located."""
        view = self.overview
        half_h, half_w = view.shape[0] // 2, view.shape[1] // 2
        corners = [(0, 0), (half_w, 0), (0, half_h), (half_w, half_h), (half_w // 2, half_h // 2)]
        return [ops.upscale(view[y : y + half_h, x : x + half_w], 1.5) for x, y in corners]


EngineChoice = Literal["primary", "all", "secondary"]


@dataclass(frozen=True, slots=True)
class Step:
    """A named rung of the ladder; `candidates` yields images lazily so a success stops work.

    `engines` picks from the ladder's engines in priority order: the first only ("primary"), all,
    or all but the first ("secondary"). Whole-frame and rotated candidates go to the primary
    engine only: ZBar is several times slower on them and read nothing more there in bench/qr.py.
    """

    name: str
    candidates: Callable[[Frame], Iterator[Gray]]
    engines: EngineChoice = "all"


def _original(frame: Frame) -> Iterator[Gray]:
    yield frame.gray


def _close_ups(frame: Frame) -> Iterator[Gray]:
    for close_up in frame.close_ups:
        yield ops.sharpen(close_up, sigma=3.0, amount=1.5)


def _thresholded(frame: Frame) -> Iterator[Gray]:
    # A local threshold after sharpening cuts through glare gradients and JPEG mush; two block
    # sizes because module size in a close-up varies with the code's version, and one pass
    # smoothed first for noisy, heavily compressed photos.
    for close_up in frame.close_ups:
        sharp = ops.sharpen(close_up, sigma=3.0)
        for block in (25, 51):
            yield ops.threshold(sharp, block)
        yield ops.threshold(ops.smooth(sharp, 1.0), 35)


def _sharpened(frame: Frame) -> Iterator[Gray]:
    yield ops.sharpen(frame.overview)


def _rectified(frame: Frame) -> Iterator[Gray]:
    for region in frame.located:
        square = rectify(frame.gray, region, _CLOSE_UP)
        yield ops.sharpen(square, sigma=3.0)
        yield ops.threshold(ops.sharpen(square, sigma=3.0), 31)


def _equalized(frame: Frame) -> Iterator[Gray]:
    for close_up in frame.close_ups:
        yield ops.sharpen(ops.equalize(close_up), sigma=3.0)


def _stretched(frame: Frame) -> Iterator[Gray]:
    yield ops.stretch(frame.overview)


def _upscaled(frame: Frame) -> Iterator[Gray]:
    if max(frame.gray.shape) < _SMALL_IMAGE:
        yield ops.sharpen(ops.upscale(frame.gray, 2.0), sigma=3.0)
    for tile in frame.quadrants:
        yield ops.sharpen(tile, sigma=3.0)


def _rotated(frame: Frame) -> Iterator[Gray]:
    # Close-ups are squared up from a blob's outline, which glare or a torn edge can skew.
    for close_up in frame.close_ups:
        for degrees in (-30.0, 30.0):
            yield ops.rotate(ops.sharpen(close_up, sigma=3.0, amount=1.5), degrees)


DEFAULT_STEPS: tuple[Step, ...] = (
    Step("original", _original, "primary"),
    Step("close_up", _close_ups),
    Step("threshold", _thresholded),
    Step("sharpen", _sharpened, "primary"),
    Step("rectify", _rectified),
    Step("equalize", _equalized),
    Step("stretch", _stretched, "primary"),
    Step("upscale", _upscaled, "primary"),
    Step("rotate", _rotated, "primary"),
    # Last, so the ladder never reads less than any engine alone on the untouched photo.
    Step("original", _original, "secondary"),
)
