"""A JPEG's pixels without its metadata, and without decoding or re-encoding them.

A phone photo is already a JPEG: re-encoding it (decode, then encode at quality 90) costs more
CPU than anything else intake does with it, loses quality a second time and makes the stored
copy two or three times larger. What the re-encode was for is that nothing of the original file
but its pixels survives; a JPEG's metadata lives in its own marker segments, so dropping those
segments does the same losslessly: APP1 (EXIF with GPS and camera serials, XMP), APP2 (ICC,
FlashPix, MPF), APP13 (IPTC), every other APPn, comments, and anything after the end of the
image (phone trailers, appended files). Kept: what decoding needs — tables, frame and scan
headers, restart interval, the entropy-coded data — and Adobe's APP14 colour-transform flag,
which decides how the three components are read (one byte, no personal data).

The caller decides when this applies (upright, sRGB, 8-bit greyscale or YCbCr); this module
only rewrites markers and refuses (returns None) whatever it does not understand.
"""

from __future__ import annotations

import re

SOI, EOI, SOS = 0xD8, 0xD9, 0xDA
APP14 = 0xEE
# Huffman-coded frames libjpeg decodes: baseline, extended sequential, progressive.
SUPPORTED_FRAMES = frozenset({0xC0, 0xC1, 0xC2})
# Segments a decoder needs: Huffman and quantisation tables, restart interval, frame header.
_DECODING = frozenset({0xC4, 0xDB, 0xDD} | SUPPORTED_FRAMES)
# In entropy-coded data a 0xFF is followed by 0x00 (a stuffed byte) or a restart marker;
# anything else after it is the next marker.
_NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7]")


def strip_jpeg_metadata(data: bytes) -> bytes | None:
    """The same image with only the segments decoding needs, or None if it is not a plain
    Huffman-coded JPEG (arithmetic, lossless, hierarchical, broken structure): re-encode those."""
    if not data.startswith(b"\xff\xd8"):
        return None
    out = [b"\xff\xd8"]
    position, frames, scans = 2, 0, 0
    while True:
        marker, position = _marker_at(data, position)
        if marker is None:
            return None
        if marker == EOI:
            out.append(b"\xff\xd9")
            break  # whatever follows the image is not part of it
        if position + 2 > len(data):
            return None
        length = int.from_bytes(data[position : position + 2], "big")
        end = position + length
        if length < 2 or end > len(data):
            return None
        segment = data[position - 2 : end]
        if marker == SOS:
            found = _NEXT_MARKER.search(data, end)
            if found is None:
                return None  # truncated: no end of image
            out.append(data[position - 2 : found.start()])
            position, scans = found.start(), scans + 1
            continue
        if marker in _DECODING:
            frames += marker in SUPPORTED_FRAMES
            out.append(segment)
        elif marker == APP14 and length >= 14 and data[position + 2 : position + 7] == b"Adobe":
            # Only the 12 bytes Adobe defines (version, flags, transform), nothing appended.
            out.append(b"\xff\xee\x00\x0e" + data[position + 2 : position + 14])
        elif 0xC0 <= marker <= 0xCF:
            return None  # another frame type (arithmetic, lossless, hierarchical, DAC)
        elif not (0xE0 <= marker <= 0xEF or marker == 0xFE):
            return None  # DNL, DHP, EXP, reserved: not worth understanding
        position = end
    if frames != 1 or scans == 0:
        return None
    return b"".join(out)


def _marker_at(data: bytes, position: int) -> tuple[int | None, int]:
    """The marker byte at `position` (after any 0xFF fill bytes) and where its segment starts."""
    if position >= len(data) or data[position] != 0xFF:
        return None, position
    while position < len(data) and data[position] == 0xFF:
        position += 1
    if position >= len(data) or data[position] in (0x00, SOI):
        return None, position
    return data[position], position + 1
