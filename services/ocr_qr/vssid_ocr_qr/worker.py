"""The ocr_qr worker (AsyncAPI: `faststream docs serve vssid_ocr_qr.worker:app`)."""

from __future__ import annotations

from vssid_ocr_qr.bootstrap import build
from vssid_ocr_qr.settings import OcrQrSettings
from vssid_shared.logs import configure_logging
from vssid_shared.worker import worker_app

settings = OcrQrSettings()
state = build(settings)
app = worker_app(
    state.runtime,
    title="VssID ocr_qr",
    description="Kiểm tra ảnh, đọc mã QR trên CCCD/BHYT và đối chiếu với tờ khai.",
    log=configure_logging("ocr_qr", settings.log_level),
    on_start=state.start,
    on_stop=state.close,
)
