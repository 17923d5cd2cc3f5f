"""ocr_qr's settings."""

from __future__ import annotations

from vssid_shared.settings import CommonSettings


class OcrQrSettings(CommonSettings):
    scan_workers: int = 0  # 0 = one process per core
