"""Helpers for attacking the HTTP edge: raw requests with hostile bodies, the error shape, RSS."""

from __future__ import annotations

import asyncio
import contextlib
import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

CHUNK = 64 * 1024


def assert_error_shape(response: httpx.Response | RawAnswer, status: int | None = None) -> None:
    """CONTRACT §3: {"detail": [{"loc": [...], "code": "...", "message": "..."}]}, Vietnamese."""
    code = response.status_code
    assert code < 500 or code == 503, (code, response.text[:300])
    if status is not None:
        assert code == status, (code, response.text[:300])
    body = json.loads(response.text)
    assert isinstance(body["detail"], list), body
    assert body["detail"], body
    for item in body["detail"]:
        assert isinstance(item["loc"], list), item
        assert isinstance(item["code"], str), item
        assert item["code"], item
        message = item["message"]
        assert unicodedata.is_normalized("NFC", message), message
        assert any(ord(c) > 127 for c in message), message  # Vietnamese has diacritics


@dataclass
class RawAnswer:
    status_code: int
    headers: dict[str, str]
    text: str
    sent: int  # body bytes the server let us send before it answered


async def _read_answer(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], str]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    body = await reader.readexactly(length) if length else b""
    return status, headers, body.decode("utf-8", "replace")


async def _send_hostile(
    url: str,
    method: str,
    headers: dict[str, str],
    body_size: int,
    chunked: bool,
    patience: float,
    prefix: bytes,
) -> RawAnswer:
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    sent = 0
    try:
        framing = (
            {"Transfer-Encoding": "chunked"} if chunked else {"Content-Length": str(body_size)}
        )
        lines = [f"{method} {parts.path or '/'} HTTP/1.1", f"Host: {parts.netloc}"]
        lines += [f"{k}: {v}" for k, v in {**headers, **framing}.items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

        async def pump() -> None:
            nonlocal sent
            if not chunked:
                # The declared length alone must get the answer: sending nothing also keeps
                # unread bytes from turning the server's close into a reset that eats it.
                return
            chunk = b"[" * CHUNK  # the start of ever deeper JSON: nothing a parser can finish
            if prefix:
                writer.write(f"{len(prefix):x}\r\n".encode() + prefix + b"\r\n")
                sent += len(prefix)
            while sent < body_size:
                piece = chunk[: min(CHUNK, body_size - sent)]
                writer.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n" if chunked else piece)
                await writer.drain()
                sent += len(piece)
            if chunked:
                writer.write(b"0\r\n\r\n")
                await writer.drain()

        pumping = asyncio.create_task(pump())
        try:
            status, answer_headers, text = await asyncio.wait_for(_read_answer(reader), patience)
        finally:
            pumping.cancel()
            with contextlib.suppress(asyncio.CancelledError, OSError):
                await pumping
        return RawAnswer(status, answer_headers, text, sent)
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


def send_hostile(
    url: str,
    *,
    method: str = "POST",
    headers: dict[str, str] | None = None,
    body_size: int,
    chunked: bool,
    timeout: float = 60.0,
    prefix: bytes = b"",
) -> RawAnswer:
    """Declare a body of `body_size` bytes (sending none of it), or stream that many chunked
    while reading the answer: the server must answer long before the body is all sent."""
    hdrs = {"Content-Type": "application/json", **(headers or {})}
    return asyncio.run(_send_hostile(url, method, hdrs, body_size, chunked, timeout, prefix))


def rss_bytes(pid: int) -> int:
    """Resident memory of a process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for {pid}")


def json_body(text: str) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(text)
    return parsed
