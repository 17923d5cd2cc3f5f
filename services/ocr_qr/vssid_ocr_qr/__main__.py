"""`python -m vssid_ocr_qr`: run the QR and image worker."""

from __future__ import annotations

from vssid_shared import loop


def main() -> None:
    from vssid_ocr_qr.bootstrap import bootstrap
    from vssid_ocr_qr.settings import OcrQrSettings

    loop.run(bootstrap(OcrQrSettings()).app.run())


if __name__ == "__main__":
    main()
