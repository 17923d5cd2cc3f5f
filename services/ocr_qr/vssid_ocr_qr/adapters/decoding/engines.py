"""QR engine adapters: zxing-cpp (raw bytes, self-contained wheel) and pyzbar (needs libzbar0)."""

from ctypes import string_at
from typing import Any

import zxingcpp
from PIL import Image

from vssid_ocr_qr.adapters.decoding.imageops import gray_image

_Y800 = 0x30303859  # ZBar's fourcc for 8-bit grey
_ZBAR_CFG_BINARY = 4  # zbar >= 0.23: hand back the bytes, skip the charset guess and conversion
_QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)


class ZxingQrDecoder:
    """zxing-cpp restricted to QR codes; reads `.bytes`, never zxing's decoded-text guess."""

    def __init__(self, *, binarizer: str = "LocalAverage", name: str = "zxing-cpp") -> None:
        self.name = name
        self.available = True
        self._binarizer = getattr(zxingcpp.Binarizer, binarizer)

    def decode(self, image: Image.Image) -> list[bytes]:
        """Return the raw bytes of every valid QR code in `image`."""
        gray = gray_image(image)
        barcodes = zxingcpp.read_barcodes(gray, formats=_QR_ONLY, binarizer=self._binarizer)
        return [bytes(barcode.bytes) for barcode in barcodes if barcode.valid]

    def __reduce__(self) -> tuple[Any, ...]:
        # zxingcpp enums do not pickle; rebuild from names so process pools can ship decoders.
        return (_zxing, (self._binarizer.name, self.name))


def _zxing(binarizer: str, name: str) -> ZxingQrDecoder:
    return ZxingQrDecoder(binarizer=binarizer, name=name)


def _load_zbar() -> Any:  # the ctypes bindings module, untyped
    try:  # imported lazily: pyzbar raises ImportError at import time without libzbar0
        from pyzbar import wrapper
    except (ImportError, OSError):
        return None
    return wrapper


class PyzbarQrDecoder:
    """ZBar (through pyzbar's ctypes bindings) restricted to QR codes, in binary mode.

    `pyzbar.decode` lets ZBar guess a charset and re-encode, which turns non-UTF-8 payloads into
    plausible mojibake that a strict UTF-8 check cannot catch; binary mode returns the bytes.
    Without libzbar0, or with a ZBar too old for binary mode, `available` is False and
    `decode` returns [] instead of raising.
    """

    name = "pyzbar"

    def __init__(self) -> None:
        self._zbar = _load_zbar()
        self.available = False
        if self._zbar is not None:
            scanner = self._scanner()  # probes binary mode once, up front
            if scanner is not None:
                self._zbar.zbar_image_scanner_destroy(scanner)
                self.available = True

    def _scanner(self) -> Any:
        z = self._zbar
        assert z is not None
        scanner = z.zbar_image_scanner_create()
        z.zbar_image_scanner_set_config(scanner, z.ZBarSymbol.NONE, z.ZBarConfig.CFG_ENABLE, 0)
        z.zbar_image_scanner_set_config(scanner, z.ZBarSymbol.QRCODE, z.ZBarConfig.CFG_ENABLE, 1)
        if z.zbar_image_scanner_set_config(scanner, z.ZBarSymbol.QRCODE, _ZBAR_CFG_BINARY, 1):
            z.zbar_image_scanner_destroy(scanner)
            return None
        return scanner

    def decode(self, image: Image.Image) -> list[bytes]:
        """Return the raw bytes of every QR code in `image`, or [] when ZBar is unavailable."""
        if not self.available or self._zbar is None:
            return []
        z = self._zbar
        gray = gray_image(image)
        pixels = gray.tobytes()  # must outlive the scan: ZBar reads it in place
        scanner, zimage = self._scanner(), z.zbar_image_create()
        try:
            z.zbar_image_set_format(zimage, _Y800)
            z.zbar_image_set_size(zimage, gray.width, gray.height)
            z.zbar_image_set_data(zimage, pixels, len(pixels), None)
            z.zbar_scan_image(scanner, zimage)
            found, symbol = [], z.zbar_image_first_symbol(zimage)
            while symbol:
                data = z.zbar_symbol_get_data(symbol)
                found.append(string_at(data, z.zbar_symbol_get_data_length(symbol)))
                symbol = z.zbar_symbol_next(symbol)
            return found
        finally:
            z.zbar_image_destroy(zimage)
            z.zbar_image_scanner_destroy(scanner)

    def __reduce__(self) -> tuple[Any, ...]:
        # The ctypes module handle does not pickle; a fresh instance reloads it in the worker.
        return (PyzbarQrDecoder, ())
