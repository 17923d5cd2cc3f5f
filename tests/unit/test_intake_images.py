"""Image uploads: sniffing, caps, decompression bombs, corruption, orientation, metadata."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib

import pillow_heif
import pytest
from PIL import Image, ImageCms, PngImagePlugin

from vssid_intake.domain.errors import ImageRejected
from vssid_intake.domain.image_formats import sniff_format
from vssid_intake.domain.images import (
    MIB,
    process_image,
)

ORIENTATION, MAKE = 0x0112, 0x010F
GPS_IFD, GPS_LATITUDE_REF, GPS_LATITUDE = 0x8825, 1, 2


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def two_tone(width: int = 40, height: int = 20) -> Image.Image:
    """Left half red, right half blue: orientation is visible in the pixels."""
    image = Image.new("RGB", (width, height), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, width // 2, height))
    return image


def noisy(width: int = 256, height: int = 256) -> Image.Image:
    return Image.frombytes(
        "RGB", (width, height), bytes((i * 7919) % 251 for i in range(width * height * 3))
    )


def exif_with_gps(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[MAKE] = "PhoneMaker"
    if orientation is not None:
        exif[ORIENTATION] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps[GPS_LATITUDE_REF] = "N"
    gps[GPS_LATITUDE] = (16.0, 4.0, 3.0)
    return exif


def reopen(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def assert_no_metadata(data: bytes) -> None:
    image = reopen(data)
    assert dict(image.getexif()) == {}
    for key in ("exif", "xmp", "icc_profile", "comment", "Author", "XML:com.adobe.xmp"):
        assert key not in image.info
    assert b"Exif" not in data
    assert b"PhoneMaker" not in data


def rejected(data: bytes, **limits: int) -> ImageRejected:
    with pytest.raises(ImageRejected) as caught:
        process_image(data, **limits)
    return caught.value


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG whose IHDR claims `width` x `height`: a decompression bomb's header."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


# --- formats ---------------------------------------------------------------------------------


def test_jpeg_is_stored_as_jpeg_with_its_size_and_hash() -> None:
    result = process_image(encode(two_tone(), "JPEG", quality=95))
    assert (result.content_type, result.width, result.height) == ("image/jpeg", 40, 20)
    assert result.sha256 == hashlib.sha256(result.data).hexdigest()
    assert reopen(result.data).format == "JPEG"
    assert result.extension == ".jpg"


def test_processing_is_deterministic() -> None:
    data = encode(noisy(64, 48), "JPEG")
    assert process_image(data).sha256 == process_image(data).sha256


def test_png_stays_png_with_alpha() -> None:
    image = Image.new("RGBA", (30, 10), (10, 20, 30, 128))
    result = process_image(encode(image, "PNG"))
    assert result.content_type == "image/png"
    assert reopen(result.data).mode == "RGBA"


def test_palette_png_keeps_its_transparency() -> None:
    result = process_image(encode(Image.new("P", (8, 8)), "PNG", transparency=0))
    assert reopen(result.data).info.get("transparency") == 0


@pytest.mark.parametrize("lossless", [True, False])
def test_webp_stays_webp(lossless: bool) -> None:
    result = process_image(encode(two_tone(), "WEBP", lossless=lossless))
    assert (result.content_type, result.width, result.height) == ("image/webp", 40, 20)
    assert reopen(result.data).format == "WEBP"
    if lossless:
        assert reopen(result.data).getpixel((0, 0)) == (255, 0, 0)


def test_heic_from_a_phone_is_stored_as_jpeg() -> None:
    heic = encode(two_tone(64, 48), "HEIF", quality=80)
    assert heic[4:12] == b"ftypheic"
    result = process_image(heic)
    assert (result.content_type, result.width, result.height) == ("image/jpeg", 64, 48)
    assert reopen(result.data).format == "JPEG"


def test_heic_metadata_is_stripped() -> None:
    heic = encode(two_tone(64, 48), "HEIF", quality=80, exif=exif_with_gps().tobytes())
    assert pillow_heif.open_heif(io.BytesIO(heic)).info.get("exif")
    assert_no_metadata(process_image(heic).data)


@pytest.mark.parametrize(
    "data",
    [
        "Xin chào, đây là một tệp văn bản.".encode(),  # a text file someone named anh.jpg
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
        b"GIF89a\x01\x00\x01\x00\x80\x00\x00",
        b"BM" + b"\x00" * 60,
        b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"\xff\xd8",  # too short to be a JPEG
    ],
)
def test_other_content_is_refused_with_415(data: bytes) -> None:
    error = rejected(data)
    assert (error.status, error.code) == (415, "unsupported_media_type")
    assert error.message == "Định dạng ảnh không được hỗ trợ. Hãy dùng JPEG, PNG, WebP hoặc HEIC."


def test_gif_bmp_tiff_are_refused_even_though_pillow_reads_them() -> None:
    for fmt in ("GIF", "BMP", "TIFF"):
        assert rejected(encode(two_tone(), fmt)).status == 415


def test_empty_upload() -> None:
    assert (rejected(b"").status, rejected(b"").code) == (422, "empty_file")


def test_sniffing_ignores_extensions_and_reads_brands() -> None:
    assert sniff_format(b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heic") is not None
    assert sniff_format(b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1avif") is None
    assert sniff_format(b"\xff\xff\xff\xffftypheic\x00\x00\x00\x00") is None  # absurd box size


# --- size caps -------------------------------------------------------------------------------


def test_eleven_mib_upload_is_refused_with_413() -> None:
    data = b"\xff\xd8\xff\xe0" + b"\x00" * (11 * MIB)
    error = rejected(data)
    assert (error.status, error.code) == (413, "too_large")
    assert error.message == "Ảnh vượt quá 10 MiB."


# --- decompression bombs and corrupt files ---------------------------------------------------


@pytest.mark.parametrize(("width", "height"), [(8000, 8000), (10_000, 5001), (60_000, 60_000)])
def test_png_bomb_is_refused_from_its_header(width: int, height: int) -> None:
    bomb = png_header_only(width, height)
    assert len(bomb) < 200
    error = rejected(bomb)
    assert (error.status, error.code) == (413, "too_many_pixels")
    assert "50 megapixel" in error.message


def test_jpeg_with_huge_declared_size_is_refused_before_decoding() -> None:
    data = bytearray(encode(two_tone(16, 16), "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", 9000, 9000)  # height, width in the SOF0 header
    assert rejected(bytes(data)).code == "too_many_pixels"


def test_pixel_limit_is_configurable() -> None:
    data = encode(two_tone(100, 100), "PNG")
    assert rejected(data, max_pixels=9_999).code == "too_many_pixels"
    assert process_image(data, max_pixels=10_000).width == 100


def test_truncated_jpeg_is_corrupt() -> None:
    data = encode(noisy(), "JPEG", quality=95)
    error = rejected(data[: len(data) // 2])
    assert (error.status, error.code) == (422, "corrupt_image")


def test_truncated_png_is_corrupt() -> None:
    data = encode(noisy(), "PNG")
    assert rejected(data[: len(data) // 2]).code == "corrupt_image"


def test_png_with_a_bad_checksum_is_corrupt() -> None:
    data = bytearray(encode(noisy(32, 32), "PNG"))
    data[60] ^= 0xFF  # inside the first IDAT chunk's data (IHDR ends at byte 33)
    assert rejected(bytes(data)).code == "corrupt_image"


def test_magic_bytes_followed_by_garbage_is_corrupt() -> None:
    assert rejected(b"\x89PNG\r\n\x1a\n" + b"garbage" * 10).code == "corrupt_image"
    assert rejected(b"RIFF\x10\x00\x00\x00WEBPVP8 garbage").code == "corrupt_image"


# --- orientation and metadata ----------------------------------------------------------------


def test_exif_orientation_is_applied_and_exif_removed() -> None:
    data = encode(two_tone(40, 20), "JPEG", quality=95, exif=exif_with_gps(orientation=6))
    result = process_image(data)
    assert (result.width, result.height) == (20, 40)
    upright = reopen(result.data)
    # Orientation 6: the stored left edge (red) is the visual top.
    red, blue = upright.getpixel((10, 5)), upright.getpixel((10, 35))
    assert isinstance(red, tuple)
    assert isinstance(blue, tuple)
    assert red[0] > 200
    assert red[2] < 60
    assert blue[2] > 200
    assert blue[0] < 60
    assert_no_metadata(result.data)


def test_gps_exif_xmp_and_comments_are_stripped_from_jpeg() -> None:
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">PhoneMaker</x:xmpmeta>'
    data = encode(two_tone(), "JPEG", exif=exif_with_gps(), comment=b"PhoneMaker", xmp=xmp)
    source = reopen(data)
    assert source.getexif().get_ifd(GPS_IFD)
    assert "xmp" in source.info
    assert_no_metadata(process_image(data).data)


def test_png_text_and_exif_chunks_are_stripped() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "PhoneMaker")
    data = encode(two_tone(), "PNG", pnginfo=info, exif=exif_with_gps())
    assert_no_metadata(process_image(data).data)


def test_icc_profile_is_applied_then_dropped() -> None:
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(two_tone(), "JPEG", quality=95, icc_profile=profile)
    assert reopen(data).info.get("icc_profile")
    result = process_image(data)
    assert_no_metadata(result.data)
    pixel = reopen(result.data).getpixel((2, 2))
    assert isinstance(pixel, tuple)
    assert pixel[0] > 200


def test_broken_icc_profile_does_not_fail_the_upload() -> None:
    data = encode(two_tone(), "JPEG", icc_profile=b"not a profile")
    assert_no_metadata(process_image(data).data)


def test_cmyk_jpeg_is_stored_as_rgb() -> None:
    data = encode(two_tone().convert("CMYK"), "JPEG")
    assert reopen(process_image(data).data).mode == "RGB"


def test_messages_are_vietnamese_nfc() -> None:
    import unicodedata

    for data in (b"", b"text", png_header_only(9000, 9000), b"\xff\xd8\xff" + b"\x00" * (11 * MIB)):
        assert unicodedata.is_normalized("NFC", rejected(data).message)
