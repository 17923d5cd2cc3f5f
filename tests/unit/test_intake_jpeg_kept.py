"""A JPEG that needs no pixel change is stored with its coded pixels, minus every metadata
segment (`vssid_intake.domain.jpeg_strip`); anything else still takes the re-encode path."""

from __future__ import annotations

import functools
import io

import pytest
from PIL import Image, ImageChops, ImageCms

from tests.support.applicant import BAO_QR
from tests.support.cards import render_card_photo
from vssid_intake.domain.errors import ImageRejected
from vssid_intake.domain.images import process_image
from vssid_intake.domain.jpeg_strip import strip_jpeg_metadata

MAKE, GPS_IFD, GPS_LATITUDE = 0x010F, 0x8825, 2
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">PhoneMaker</x:xmpmeta>'


@functools.cache
def card() -> bytes:
    return render_card_photo(BAO_QR, "phone", 7)


def photo(**params: object) -> bytes:
    """A phone photo of a card, saved again with `params` (metadata, progressive, restarts)."""
    image = Image.open(io.BytesIO(card()))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, **params)
    return out.getvalue()


def with_gps() -> Image.Exif:
    exif = Image.Exif()
    exif[MAKE] = "PhoneMaker"
    exif.get_ifd(GPS_IFD)[GPS_LATITUDE] = (16.0, 4.0, 3.0)
    return exif


def pixels(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def same_pixels(a: bytes, b: bytes) -> bool:
    return ImageChops.difference(pixels(a), pixels(b)).getbbox() is None


def test_a_phone_jpeg_keeps_its_exact_pixels_and_loses_its_metadata() -> None:
    upload = photo(exif=with_gps().tobytes(), comment=b"PhoneMaker", xmp=XMP)
    stored = process_image(upload).data
    assert same_pixels(stored, upload)  # no second generation of JPEG loss
    assert len(stored) < len(upload)  # not re-encoded at a higher quality
    assert b"Exif" not in stored
    assert b"PhoneMaker" not in stored
    image = pixels(stored)
    assert dict(image.getexif()) == {}
    for key in ("exif", "xmp", "comment", "icc_profile", "jfif"):
        assert key not in image.info


@pytest.mark.parametrize(
    "params",
    [{"progressive": True}, {"restart_marker_blocks": 4}, {"subsampling": 0}],
    ids=["progressive", "restart-markers", "4:4:4"],
)
def test_other_plain_jpeg_codings_are_kept(params: dict[str, object]) -> None:
    upload = photo(**params, exif=with_gps().tobytes())
    stored = process_image(upload).data
    assert same_pixels(stored, upload)
    assert b"PhoneMaker" not in stored


def test_greyscale_is_kept() -> None:
    grey = pixels(photo()).convert("L")
    out = io.BytesIO()
    grey.save(out, "JPEG", comment=b"PhoneMaker")
    result = process_image(out.getvalue())
    assert pixels(result.data).mode == "L"
    assert b"PhoneMaker" not in result.data


def test_whatever_follows_the_image_is_dropped() -> None:
    upload = photo() + b"PhoneMaker trailer: a second file appended"
    stored = process_image(upload).data
    assert stored.endswith(b"\xff\xd9")
    assert b"PhoneMaker" not in stored


def test_processing_a_kept_jpeg_is_deterministic_and_idempotent() -> None:
    first = process_image(photo(exif=with_gps().tobytes()))
    assert process_image(first.data).data == first.data
    assert first.sha256 == process_image(photo(exif=with_gps().tobytes())).sha256


def test_rotated_or_profiled_jpegs_are_still_re_encoded() -> None:
    rotated = with_gps()
    rotated[0x0112] = 6
    upload = photo(exif=rotated.tobytes())
    result = process_image(upload)
    assert (result.width, result.height) == pixels(upload).size[::-1]  # turned upright
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    profiled = photo(icc_profile=srgb)
    assert "icc_profile" not in pixels(process_image(profiled).data).info
    assert not same_pixels(process_image(profiled).data, profiled)  # decoded and encoded again


def test_truncated_scan_data_is_corrupt() -> None:
    upload = photo()
    with pytest.raises(ImageRejected) as caught:
        process_image(upload[: len(upload) * 2 // 3])
    assert caught.value.code == "corrupt_image"


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xd8\xff\xe1\x00",  # a segment length cut off
        b"\xff\xd8\xff\xe1\xff\xff" + b"\x00" * 10,  # a segment longer than the file
        b"\xff\xd8\xff\xd9",  # no frame, no scan
        b"\xff\xd8\x00\x00",  # not a marker where one must be
    ],
)
def test_the_stripper_refuses_broken_structure(data: bytes) -> None:
    assert strip_jpeg_metadata(data) is None


def test_the_stripper_refuses_arithmetic_coding() -> None:
    upload = bytearray(photo())
    sof = upload.index(b"\xff\xc0")
    upload[sof + 1] = 0xC9  # SOF9: arithmetic-coded sequential
    assert strip_jpeg_metadata(bytes(upload)) is None
