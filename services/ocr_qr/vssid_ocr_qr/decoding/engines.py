"""QR engine adapters: zxing-cpp (raw bytes, self-contained wheel) and pyzbar (needs libzbar0)."""

from collections.abc import Callable
from typing import Any

import zxingcpp
from PIL import Image


class ZxingQrDecoder:
    """zxing-cpp restricted to QR codes; reads `.bytes`, never zxing's decoded-text guess."""

    def __init__(self, *, binarizer: str = "LocalAverage", name: str = "zxing-cpp") -> None:
        self.name = name
        self.available = True
        self._binarizer = getattr(zxingcpp.Binarizer, binarizer)

    def decode(self, image: Image.Image) -> list[bytes]:
        """Return the raw bytes of every valid QR code in `image`."""
        barcodes = zxingcpp.read_barcodes(
            image, formats=zxingcpp.BarcodeFormat.QRCode, binarizer=self._binarizer
        )
        return [bytes(barcode.bytes) for barcode in barcodes if barcode.valid]

    def __reduce__(self) -> tuple[Any, ...]:
        # zxingcpp enums do not pickle; rebuild from the name so process pools can ship decoders.
        return (_zxing, (self._binarizer.name, self.name))


def _zxing(binarizer: str, name: str) -> ZxingQrDecoder:
    return ZxingQrDecoder(binarizer=binarizer, name=name)


class PyzbarQrDecoder:
    """pyzbar (ZBar) restricted to QR codes; unavailable, not crashing, when libzbar is missing.

    ZBar converts the payload to UTF-8 from a guessed charset; valid UTF-8 input passes through
    unchanged, so the strict UTF-8 check downstream rejects any garbling instead of storing it.
    """

    name = "pyzbar"

    def __init__(self) -> None:
        self._decode: Callable[..., Any] | None = None
        self._symbols: list[Any] = []
        try:  # imported lazily: pyzbar raises ImportError at import time without libzbar0
            from pyzbar import pyzbar
        except (ImportError, OSError):
            self.available = False
            return
        self._decode = pyzbar.decode
        self._symbols = [pyzbar.ZBarSymbol.QRCODE]
        self.available = True

    def decode(self, image: Image.Image) -> list[bytes]:
        """Return the raw bytes of every QR code in `image`, or [] when ZBar is unavailable."""
        if self._decode is None:
            return []
        gray = image if image.mode == "L" else image.convert("L")
        return [bytes(symbol.data) for symbol in self._decode(gray, symbols=self._symbols)]

    def __reduce__(self) -> tuple[Any, ...]:
        return (PyzbarQrDecoder, ())
