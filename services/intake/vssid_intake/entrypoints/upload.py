"""Streaming multipart reader with a hard size cap: refuses before reading past the limit."""

from __future__ import annotations

from collections.abc import AsyncIterator

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from vssid_intake.domain.errors import ImageRejected
from vssid_intake.domain.images import too_large

# Multipart framing around the file adds a few hundred bytes; never more than this.
FRAMING_ALLOWANCE = 16 * 1024


class _FilePart:
    def __init__(self, field: str, limit: int) -> None:
        self.field = field
        self.limit = limit
        self.found = False
        self._current_name: str | None = None
        self._header_field = b""
        self._header_value = b""
        self._chunks: list[bytes] = []
        self._size = 0

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        if self._header_field.lower() == b"content-disposition":
            _, params = parse_options_header(self._header_value)
            name = params.get(b"name")
            self._current_name = name.decode() if name else None
        self._header_field = self._header_value = b""

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._current_name != self.field:
            return
        self.found = True
        self._size += end - start
        if self._size > self.limit:
            raise too_large(self.limit)
        self._chunks.append(data[start:end])

    def on_part_end(self) -> None:
        self._current_name = None

    def data(self) -> bytes:
        return b"".join(self._chunks)


async def read_file_field(
    content_type: str, content_length: str | None, body: AsyncIterator[bytes], *, limit: int
) -> bytes | None:
    """The bytes of multipart field `file`, or None when the request has no such field."""
    if (
        content_length
        and content_length.isdigit()
        and int(content_length) > limit + FRAMING_ALLOWANCE
    ):
        raise too_large(limit)
    ctype, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if ctype != b"multipart/form-data" or not boundary:
        raise ImageRejected(422, "multipart_required", "Hãy gửi ảnh dạng multipart, trường 'file'.")
    part = _FilePart("file", limit)
    parser = MultipartParser(
        boundary,
        {
            "on_header_field": part.on_header_field,
            "on_header_value": part.on_header_value,
            "on_header_end": part.on_header_end,
            "on_part_data": part.on_part_data,
            "on_part_end": part.on_part_end,
        },
    )
    try:
        async for chunk in body:
            parser.write(chunk)
        parser.finalize()
    except MultipartParseError as exc:
        raise ImageRejected(
            422,
            "invalid_multipart",
            "Nội dung multipart không hợp lệ; hãy gửi ảnh trong trường 'file'.",
        ) from exc
    return part.data() if part.found else None
