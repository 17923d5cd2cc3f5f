"""Turns raw RFC 822 bytes into the Mailpit-shaped summary and detail documents."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage, Message, MIMEPart
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from typing import Any

_PARSER = BytesParser(policy=policy.default)


def parse(raw: bytes) -> EmailMessage:
    """Parse a raw message; the default policy decodes RFC 2047 headers for us."""
    msg = _PARSER.parsebytes(raw)
    assert isinstance(msg, EmailMessage)
    return msg


def rfc3339(moment: datetime) -> str:
    """UTC timestamp with millisecond precision and a `Z`, as Mailpit clients parse it."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _text(value: object) -> str:
    # Headers are shown to people, and Vietnamese must compare equal however it was composed.
    return unicodedata.normalize("NFC", str(value)) if value is not None else ""


def _addresses(msg: EmailMessage, name: str) -> list[dict[str, str]]:
    header = msg.get(name)
    if header is None:
        return []
    try:
        found = header.addresses
    except AttributeError:
        # A header the parser could not structure still deserves to be shown.
        return [{"Name": "", "Address": _text(header)}]
    return [{"Name": _text(a.display_name), "Address": a.addr_spec} for a in found]


def _walk(part: Message, path: str) -> Iterator[tuple[str, Message]]:
    """Yield leaf parts with IMAP-style part numbers ("1", "2.1"), Mailpit's PartID scheme."""
    children = part.get_payload()
    # A forwarded message/rfc822 is one attachment, not a tree to descend into.
    if part.is_multipart() and part.get_content_type() != "message/rfc822":
        assert isinstance(children, list)
        prefix = f"{path}." if path else ""
        for index, child in enumerate(children, 1):
            yield from _walk(child, f"{prefix}{index}")
    else:
        yield (path or "1"), part


def _body(msg: EmailMessage, subtype: str) -> Message | None:
    return msg.get_body(preferencelist=(subtype,))


def _decoded_text(part: Message | None) -> str:
    if part is None:
        return ""
    try:
        content = part.get_content() if isinstance(part, MIMEPart) else None
        if isinstance(content, str):
            return content
    except (LookupError, UnicodeError):
        pass  # An unknown or lying charset should not hide the mail; fall through to UTF-8.
    payload = part.get_payload(decode=True)
    return payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""


def _payload(part: Message) -> bytes:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        first = inner[0] if isinstance(inner, list) and inner else None
        return first.as_bytes() if isinstance(first, Message) else b""
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _files(msg: EmailMessage) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Split non-body leaves into (attachments, inline parts) the way Mailpit lists them."""
    bodies = {id(_body(msg, "plain")), id(_body(msg, "html"))}
    attachments: list[dict[str, Any]] = []
    inline: list[dict[str, Any]] = []
    for part_id, part in _walk(msg, ""):
        if id(part) in bodies:
            continue
        entry = {
            "PartID": part_id,
            "FileName": _text(part.get_filename() or ""),
            "ContentType": part.get_content_type(),
            "ContentID": str(part.get("Content-ID", "")).strip("<>"),
            "Size": len(_payload(part)),
        }
        disposition = part.get_content_disposition()
        is_inline = disposition == "inline" or (disposition is None and entry["ContentID"])
        (inline if is_inline else attachments).append(entry)
    return attachments, inline


def find_part(msg: EmailMessage, part_id: str) -> tuple[bytes, str] | None:
    """Decoded bytes and content type of the leaf part with that PartID."""
    for candidate, part in _walk(msg, ""):
        if candidate == part_id:
            return _payload(part), part.get_content_type()
    return None


def _date(msg: EmailMessage, fallback: str) -> str:
    try:
        sent = parsedate_to_datetime(str(msg["date"]))
    except (TypeError, ValueError):
        return fallback
    return rfc3339(sent if sent.tzinfo else sent.replace(tzinfo=UTC))


def summary(
    msg: EmailMessage, msg_id: str, created: str, size: int, rcpts: list[str]
) -> dict[str, Any]:
    """The message as `GET /api/v1/messages` lists it."""
    to = _addresses(msg, "to")
    if not to and not _addresses(msg, "cc"):
        # Bcc-only mail would otherwise look addressed to nobody; the envelope knows better.
        to = [{"Name": "", "Address": rcpt} for rcpt in rcpts]
    senders = _addresses(msg, "from")
    attachments, _ = _files(msg)
    return {
        "ID": msg_id,
        "MessageID": str(msg.get("message-id", "")).strip().strip("<>"),
        "From": senders[0] if senders else {"Name": "", "Address": ""},
        "To": to,
        "Cc": _addresses(msg, "cc"),
        "Bcc": [],
        "ReplyTo": _addresses(msg, "reply-to"),
        "Subject": _text(msg.get("subject", "")),
        "Created": created,
        "Size": size,
        "Attachments": len(attachments),
        "Read": False,
        "Tags": [],
    }


def detail(msg: EmailMessage, head: dict[str, Any]) -> dict[str, Any]:
    """The message as `GET /api/v1/message/{ID}` shows it, built on its summary."""
    attachments, inline = _files(msg)
    return {
        **head,
        "Date": _date(msg, head["Created"]),
        "Text": _decoded_text(_body(msg, "plain")),
        "HTML": _decoded_text(_body(msg, "html")),
        "Attachments": attachments,
        "Inline": inline,
    }
