"""ocr_qr's settings."""

from __future__ import annotations

from vssid_shared.settings import CommonSettings


class OcrQrSettings(CommonSettings):
    scan_workers: int = 0  # 0 = one process per core
    # Autofill decodes run in their own pool, so scans never queue behind them; 0 = per core.
    decode_workers: int = 0
