"""Recognise an uploaded image by its leading bytes; the client's type and file name are ignored."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ImageFormat:
    """A sniffed input format: Pillow's decoder name and what it is stored as."""

    pil_format: str  # the only decoder Pillow may use for these bytes
    stored_format: str  # the encoder used for the stored copy
    content_type: str  # of the stored copy
    extension: str  # of the stored copy


JPEG = ImageFormat("JPEG", "JPEG", "image/jpeg", ".jpg")
PNG = ImageFormat("PNG", "PNG", "image/png", ".png")
WEBP = ImageFormat("WEBP", "WEBP", "image/webp", ".webp")
# Browsers (the review page) cannot show HEIC, so phone photos are stored as JPEG.
HEIC = ImageFormat("HEIF", "JPEG", "image/jpeg", ".jpg")

# HEVC-coded HEIF brands (iPhone: heic; Samsung: mif1 + heic). AVIF shares the container but is
# not in the contract, so its brands are not listed.
_HEVC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"})
_GENERIC_BRANDS = frozenset({b"mif1", b"msf1"})
_MAX_FTYP = 4096


def sniff_format(data: bytes) -> ImageFormat | None:
    """The format the bytes really are, or None for anything that is not JPEG/PNG/WebP/HEIC."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if len(data) >= 16 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if _is_hevc_heif(data):
        return HEIC
    return None


def is_lossless_webp(data: bytes) -> bool:
    """Whether a still WebP holds a lossless (VP8L) bitstream, to re-encode it losslessly too."""
    position = 12
    while position + 8 <= len(data):
        fourcc = data[position : position + 4]
        if fourcc == b"VP8L":
            return True
        if fourcc in (b"VP8 ", b"ANMF"):
            return False
        size = int.from_bytes(data[position + 4 : position + 8], "little")
        position += 8 + size + (size & 1)  # RIFF chunks are padded to even sizes
    return False


def _is_hevc_heif(data: bytes) -> bool:
    """An ISO-BMFF file whose `ftyp` box names an HEVC image brand."""
    if len(data) < 16 or data[4:8] != b"ftyp":
        return False
    box_size = int.from_bytes(data[:4], "big")
    if box_size < 16 or box_size > _MAX_FTYP or box_size > len(data):
        return False
    major = data[8:12]
    compatible = {data[i : i + 4] for i in range(16, box_size - 3, 4)}
    if major in _HEVC_BRANDS:
        return True
    return major in _GENERIC_BRANDS and bool(compatible & _HEVC_BRANDS)
