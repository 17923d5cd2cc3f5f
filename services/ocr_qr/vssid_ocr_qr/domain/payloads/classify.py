"""Turns raw QR bytes into text and tells a CCCD payload from a BHYT one."""

import re
from dataclasses import dataclass
from typing import Literal

from vssid_ocr_qr.domain.errors import PayloadError, UnknownPayloadError
from vssid_ocr_qr.domain.payloads.bhyt import (
    CARD_CODE,
    SOCIAL_INSURANCE_NUMBER,
    BhytCard,
    parse_bhyt,
)
from vssid_ocr_qr.domain.payloads.cccd import CCCD_FIELD_COUNT, ID_NUMBER, CccdCard, parse_cccd
from vssid_shared.text import nfc

PayloadKind = Literal["cccd", "bhyt"]
_UTF8_BOM = b"\xef\xbb\xbf"
_CCCD_GENDER = re.compile(r"\s*(nam|nữ)\s*", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ParsedPayload:
    """A recognised card payload: its kind and the fields named as in CONTRACT.md §3."""

    kind: PayloadKind
    fields: dict[str, str | None]
    card: CccdCard | BhytCard


def decode_payload_bytes(raw: bytes) -> str:
    """Decode raw QR bytes as strict UTF-8 (a leading BOM dropped), then NFC.

    Never guesses another charset: a guess is how engines garble Vietnamese names.
    """
    try:
        text = raw.removeprefix(_UTF8_BOM).decode("utf-8")
    except UnicodeDecodeError:
        raise PayloadError(
            "Mã QR không chứa văn bản UTF-8 hợp lệ, không phải mã của thẻ căn cước hay thẻ BHYT.",
            code="qr_payload_not_utf8",
        ) from None
    return nfc(text)


def _looks_like_cccd(parts: list[str]) -> bool:
    if ID_NUMBER.fullmatch(parts[0]):
        return True
    # A damaged ID number still deserves a CCCD error message rather than "unknown".
    return len(parts) >= CCCD_FIELD_COUNT and _CCCD_GENDER.fullmatch(parts[4]) is not None


def _looks_like_bhyt(parts: list[str]) -> bool:
    first = parts[0].upper()
    if CARD_CODE.fullmatch(first) or SOCIAL_INSURANCE_NUMBER.fullmatch(first):
        return True
    return len(parts) > 1 and parts[-1].strip() == "$"


def parse_payload(text: str) -> ParsedPayload:
    """Classify and parse a decoded payload.

    Raises UnknownPayloadError when it is neither kind, PayloadError when it is one but malformed.
    """
    text = nfc(text).removeprefix("\ufeff").strip()
    parts = [part.strip() for part in text.split("|")]
    if len(parts) > 1 and _looks_like_cccd(parts):
        cccd = parse_cccd(text)
        return ParsedPayload(kind="cccd", fields=cccd.fields(), card=cccd)
    if len(parts) > 1 and _looks_like_bhyt(parts):
        bhyt = parse_bhyt(text)
        return ParsedPayload(kind="bhyt", fields=bhyt.fields(), card=bhyt)
    raise UnknownPayloadError(
        "Mã QR không phải của thẻ căn cước (CCCD) hay thẻ BHYT. Hãy chụp đúng mã QR trên thẻ."
    )
