"""QR payload parsers for CCCD and BHYT cards, free of any framework or driver."""

from vssid_ocr_qr.domain.errors import PayloadError, UnknownPayloadError
from vssid_ocr_qr.domain.payloads.bhyt import BhytCard, parse_bhyt
from vssid_ocr_qr.domain.payloads.cccd import CccdCard, parse_cccd
from vssid_ocr_qr.domain.payloads.classify import (
    ParsedPayload,
    PayloadKind,
    decode_payload_bytes,
    parse_payload,
)
from vssid_ocr_qr.domain.payloads.common import Gender

__all__ = [
    "BhytCard",
    "CccdCard",
    "Gender",
    "ParsedPayload",
    "PayloadError",
    "PayloadKind",
    "UnknownPayloadError",
    "decode_payload_bytes",
    "parse_bhyt",
    "parse_cccd",
    "parse_payload",
]
