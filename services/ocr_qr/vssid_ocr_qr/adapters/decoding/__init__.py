"""QR decoding: engine adapters behind one port and a preprocessing ladder over them."""

from vssid_ocr_qr.adapters.decoding.engines import PyzbarQrDecoder, ZxingQrDecoder
from vssid_ocr_qr.adapters.decoding.ladder import (
    LadderDecoder,
    LadderResult,
    Rejection,
    ScanOutcome,
)
from vssid_ocr_qr.adapters.decoding.port import QrDecoder
from vssid_ocr_qr.adapters.decoding.steps import DEFAULT_STEPS, Frame, Step


def default_engines() -> list[QrDecoder]:
    """zxing-cpp first (reads more, faster, raw bytes), pyzbar as fallback when installed."""
    engines: list[QrDecoder] = [ZxingQrDecoder()]
    pyzbar = PyzbarQrDecoder()
    if pyzbar.available:
        engines.append(pyzbar)
    return engines


def default_ladder() -> LadderDecoder:
    """The ladder the service uses: default engines over DEFAULT_STEPS."""
    return LadderDecoder(default_engines(), DEFAULT_STEPS)


__all__ = [
    "DEFAULT_STEPS",
    "Frame",
    "LadderDecoder",
    "LadderResult",
    "PyzbarQrDecoder",
    "QrDecoder",
    "Rejection",
    "ScanOutcome",
    "Step",
    "ZxingQrDecoder",
    "default_engines",
    "default_ladder",
]
