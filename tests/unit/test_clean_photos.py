"""The e2e tests' clean photos (tests/support/applicant.clean_photos) pass ocr_qr's real checks
with no finding, while the default test photos draw the findings the tests rely on."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.support import applicant as a
from tests.support.cards import render_clean_portrait
from vssid_ocr_qr.adapters.quality import BLUR_THRESHOLD, ImageKind, assess_image
from vssid_ocr_qr.adapters.quality_faces import count_faces, face_detector_available
from vssid_ocr_qr.adapters.quality_measure import prepare, sharpness

needs_face_detector = pytest.mark.skipif(
    not face_detector_available(), reason="this OpenCV build has no frontal-face Haar cascade"
)


def codes(kind: ImageKind, data: bytes) -> list[str]:
    return [f.code for f in assess_image(kind, Image.open(io.BytesIO(data)))]


@needs_face_detector
@pytest.mark.parametrize("seed", range(0, 200, 13))
def test_clean_portrait_is_sharp_with_one_face(seed: int) -> None:
    work = prepare(Image.open(io.BytesIO(render_clean_portrait(seed))))
    assert count_faces(work.gray) == 1
    assert sharpness(work.gray) > 10 * BLUR_THRESHOLD["portrait"]


@needs_face_detector
def test_clean_photos_draw_no_finding_and_never_repeat() -> None:
    cases = [a.clean_photos() for _ in range(4)]
    for photos in cases:
        for kind, data in photos.items():
            assert codes(kind, data) == [], kind  # type: ignore[arg-type]
    every = [data for photos in cases for data in photos.values()]
    assert len(set(every)) == len(every)  # no photo seen twice: no `image_reused`


@needs_face_detector
def test_default_portrait_is_blurred_and_faceless() -> None:
    assert codes("portrait", a.portrait_jpeg()) == ["image_blurred", "portrait_face_count"]
