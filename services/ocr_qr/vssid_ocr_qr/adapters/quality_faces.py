"""Face count on portraits with OpenCV's bundled frontal-face Haar cascade, where installed."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from vssid_ocr_qr.adapters.quality_measure import Gray

FACE_CASCADE = "haarcascade_frontalface_default.xml"
# Faces in a portrait are large: at 480 px the smallest face worth counting is still ~50 px, well
# above the cascade's 24 px window, and detection costs a few ms instead of tens.
FACE_WORK_LONG_SIDE = 480
# A detection smaller than this share of the short side is a face in a poster or in the crowd
# behind the applicant (or a false hit in texture), not a second person posing.
MIN_FACE_SHARE = 0.1
# OpenCV's documented defaults for frontal faces; more neighbours trade recall for fewer false hits.
SCALE_FACTOR = 1.1
MIN_NEIGHBOURS = 5


@cache
def _cascade() -> Any | None:
    """The classifier, loaded once per process; None where this OpenCV build lacks it.

    OpenCV 5 moved the cascade classifier and its data out of the main wheel (4.x ships both, under
    `cv2.data.haarcascades`), so the portrait check degrades to "not checked" rather than failing.
    """
    factory = getattr(cv2, "CascadeClassifier", None)
    folder = getattr(getattr(cv2, "data", None), "haarcascades", None)
    if factory is None or not folder or not (Path(folder) / FACE_CASCADE).is_file():
        return None
    classifier = factory(str(Path(folder) / FACE_CASCADE))
    return None if classifier.empty() else classifier


def face_detector_available() -> bool:
    """Whether `count_faces` can answer on this installation."""
    return _cascade() is not None


def count_faces(gray: Gray) -> int | None:
    """Frontal faces of a usable size in a grey portrait, or None when no detector is installed."""
    cascade = _cascade()
    if cascade is None:
        return None
    factor = FACE_WORK_LONG_SIDE / max(gray.shape)
    if factor < 1:
        gray = np.asarray(
            cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA), np.uint8
        )
    # Equalising lifts faces out of dim rooms and backlight, where the cascade's features go flat.
    equalized = np.asarray(cv2.equalizeHist(gray), np.uint8)
    side = max(24, round(MIN_FACE_SHARE * min(gray.shape)))
    faces = cascade.detectMultiScale(
        equalized, scaleFactor=SCALE_FACTOR, minNeighbors=MIN_NEIGHBOURS, minSize=(side, side)
    )
    return len(faces)
