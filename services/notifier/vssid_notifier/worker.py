"""The notifier worker (AsyncAPI: `faststream docs serve vssid_notifier.worker:app`)."""

from __future__ import annotations

from vssid_notifier.bootstrap import build
from vssid_notifier.retention import ensure_delivery_retention
from vssid_notifier.settings import NotifierSettings
from vssid_shared.logs import configure_logging
from vssid_shared.retention import Retention
from vssid_shared.worker import worker_app

settings = NotifierSettings()
state = build(settings)
app = worker_app(
    state.runtime,
    title="VssID notifier",
    description="Gửi bản sao tờ khai, thư báo trạng thái và SMS mật khẩu, mỗi loại đúng một lần.",
    log=configure_logging("notifier", settings.log_level),
    on_start=lambda: ensure_delivery_retention(state.notifier.deliveries, Retention()),
)
