"""Uploaded photos: sniffed, bounded, decoded once, oriented, stripped of metadata, re-encoded.

Stored format: JPEG and HEIC become JPEG (quality 90), PNG stays PNG, WebP stays WebP (lossless
if it was). Nothing of the original file survives but its pixels: EXIF (GPS, camera serials),
XMP, comments and the ICC profile are dropped; a colour profile is first applied, so the stored
pixels are sRGB and look the same. `sha256` is of the stored bytes, which are deterministic.

A JPEG whose pixels need no change (upright, no colour profile, greyscale or YCbCr: what most
phones send) keeps its coded pixels: only its metadata segments are dropped (`jpeg_strip`), and
a cheap reduced-size decode checks that what is stored decodes. That is the upload's main cost
avoided, no second generation of JPEG loss, and a stored copy the size of the upload.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

import pillow_heif
from PIL import Image, ImageCms, ImageOps

from vssid_intake.domain.errors import ImageRejected
from vssid_intake.domain.image_formats import ImageFormat, is_lossless_webp, sniff_format
from vssid_intake.domain.jpeg_strip import strip_jpeg_metadata

pillow_heif.register_heif_opener()

MIB = 1024 * 1024
MAX_BYTES = 10 * MIB
MAX_PIXELS = 50_000_000
JPEG_QUALITY = 90
ORIENTATION = 0x0112  # EXIF tag
# Scale of the check decode of a kept JPEG: libjpeg still reads every coded block, but computes
# one pixel per 8x8 block instead of 64.
CHECK_SCALE = 8
UNSUPPORTED_MESSAGE = "Định dạng ảnh không được hỗ trợ. Hãy dùng JPEG, PNG, WebP hoặc HEIC."
CORRUPT_MESSAGE = "Ảnh bị hỏng hoặc không đầy đủ. Hãy chụp hoặc tải lên lại."
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@dataclass(frozen=True)
class ProcessedImage:
    """The bytes to store and the metadata the API answers with."""

    content_type: str
    width: int
    height: int
    sha256: str
    data: bytes
    extension: str = ".jpg"


def too_large(limit: int) -> ImageRejected:
    """The 413 for an upload over `limit` bytes."""
    size = f"{limit // MIB} MiB" if limit % MIB == 0 else f"{limit} byte"
    return ImageRejected(413, "too_large", f"Ảnh vượt quá {size}.")


def process_image(
    data: bytes, *, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS
) -> ProcessedImage:
    """Validate an upload and produce the clean copy to store; raises ImageRejected."""
    if len(data) > max_bytes:
        raise too_large(max_bytes)
    if not data:
        raise ImageRejected(422, "empty_file", "Tệp ảnh trống.")
    kind = check_pixels(data, max_pixels)
    kept = _kept_jpeg(data, kind)
    if kept is not None:
        return kept
    clean = _clean(_decode(data, kind))
    lossless = kind.pil_format == "WEBP" and is_lossless_webp(data)
    stored = _encode(clean, kind, lossless=lossless)
    return ProcessedImage(
        content_type=kind.content_type,
        width=clean.width,
        height=clean.height,
        sha256=hashlib.sha256(stored).hexdigest(),
        data=stored,
        extension=kind.extension,
    )


def _open(data: bytes, kind: ImageFormat) -> Image.Image:
    # Only the sniffed decoder may run: bytes that claim PNG never reach another plugin.
    return Image.open(io.BytesIO(data), formats=[kind.pil_format])


def _too_many_pixels(max_pixels: int) -> ImageRejected:
    megapixels = max_pixels / 1_000_000
    return ImageRejected(
        413, "too_many_pixels", f"Ảnh có quá nhiều điểm ảnh: tối đa {megapixels:g} megapixel."
    )


def check_pixels(data: bytes, max_pixels: int = MAX_PIXELS) -> ImageFormat:
    """The sniffed format, after refusing an unsupported one or too many pixels from the header
    alone (autofill photos are not stored, but must not make a worker unpack a giant picture)."""
    kind = sniff_format(data)
    if kind is None:
        raise ImageRejected(415, "unsupported_media_type", UNSUPPORTED_MESSAGE)
    _check_pixels(data, kind, max_pixels)
    return kind


def _check_pixels(data: bytes, kind: ImageFormat, max_pixels: int) -> None:
    """Read only the header: dimensions are known long before any pixel is decoded."""
    try:
        with _open(data, kind) as probe:
            width, height = probe.size
    except Image.DecompressionBombError as exc:  # Pillow's own, far higher, limit
        raise _too_many_pixels(max_pixels) from exc
    except Exception as exc:  # any decoder failure on hostile bytes means "unusable"
        raise ImageRejected(422, "corrupt_image", CORRUPT_MESSAGE) from exc
    if width * height > max_pixels:
        raise _too_many_pixels(max_pixels)
    if width == 0 or height == 0:
        raise ImageRejected(422, "corrupt_image", CORRUPT_MESSAGE)


def _kept_jpeg(data: bytes, kind: ImageFormat) -> ProcessedImage | None:
    """The upload minus its metadata, when its pixels can be stored as they are; else None."""
    if kind.pil_format != "JPEG":
        return None
    try:
        with _open(data, kind) as probe:
            mode, size = probe.mode, probe.size
            if probe.info.get("icc_profile") or probe.getexif().get(ORIENTATION, 1) != 1:
                return None  # the pixels must change: re-encode
    except Exception:  # odd metadata: the full path decides, and reports, what it is
        return None
    stripped = strip_jpeg_metadata(data) if mode in ("L", "RGB") else None
    if stripped is None:
        return None
    try:
        with _open(stripped, kind) as image:
            if (image.mode, image.size) != (mode, size):
                return None
            image.draft(mode, (-(-size[0] // CHECK_SCALE), -(-size[1] // CHECK_SCALE)))
            image.load()
    except Exception as exc:  # hostile input can raise anything from a C decoder
        raise ImageRejected(422, "corrupt_image", CORRUPT_MESSAGE) from exc
    return ProcessedImage(
        content_type=kind.content_type,
        width=size[0],
        height=size[1],
        sha256=hashlib.sha256(stripped).hexdigest(),
        data=stripped,
        extension=kind.extension,
    )


def _decode(data: bytes, kind: ImageFormat) -> Image.Image:
    """verify() checks structure (PNG CRCs); a full load() catches truncation."""
    try:
        with _open(data, kind) as probe:
            probe.verify()
        image = _open(data, kind)
        image.load()
    except Exception as exc:  # hostile input can raise anything from a C decoder
        raise ImageRejected(422, "corrupt_image", CORRUPT_MESSAGE) from exc
    return image


def _clean(image: Image.Image) -> Image.Image:
    """Upright pixels in sRGB with an empty `info`, so no metadata can reach the encoder."""
    upright = ImageOps.exif_transpose(image)  # always a new image, even when already upright
    icc = image.info.get("icc_profile")
    if icc and upright.mode in ("RGB", "RGBA"):
        upright = _to_srgb(upright, icc)
    # Transparency is pixel data (a palette index or colour key), not metadata: keep only it.
    transparency = image.info.get("transparency")
    upright.info = {} if transparency is None else {"transparency": transparency}
    image.close()
    return upright


def _to_srgb(image: Image.Image, icc: bytes) -> Image.Image:
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(image, source, _SRGB, outputMode=image.mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image  # a broken profile: keep the pixels as they are, the profile is dropped
    return converted if converted is not None else image


def _encode(image: Image.Image, kind: ImageFormat, *, lossless: bool) -> bytes:
    out = io.BytesIO()
    if kind.stored_format == "JPEG":
        _flatten(image, "RGB" if image.mode != "L" else "L").save(out, "JPEG", quality=JPEG_QUALITY)
    elif kind.stored_format == "WEBP":
        mode = "RGBA" if image.has_transparency_data else "RGB"
        image.convert(mode).save(out, "WEBP", lossless=lossless, quality=JPEG_QUALITY, exact=False)
    else:
        image.save(out, "PNG")
    return out.getvalue()


def _flatten(image: Image.Image, mode: str) -> Image.Image:
    """JPEG has no alpha: transparent areas become white rather than black."""
    if not image.has_transparency_data:
        return image if image.mode == mode else image.convert(mode)
    rgba = image.convert("RGBA")
    background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(background, rgba).convert(mode)
