"""notifier's settings."""

from __future__ import annotations

from typing import ClassVar

from vssid_shared.settings import CommonSettings, PortUrl


class NotifierSettings(CommonSettings):
    smtp_url: str = "smtp://127.0.0.1:1025"
    smtp_timeout_seconds: float = 15.0
    mail_from: str = "BHXH Việt Nam <no-reply@vssid.local>"
    sms_url: str = "http://127.0.0.1:8025/api/v1/sms"
    sms_token: str = ""
    sms_timeout_seconds: float = 10.0
    locale: str = "vi"
    # After a send returned, how long its record is retried (MongoDB down) before giving up.
    delivery_record_retry_seconds: float = 600.0
    # As `vssid dev` names them: with no URL set, the catcher's URLs come from host and these.
    smtp_port: int = 1025
    mail_http_port: int = 8025

    port_urls: ClassVar[tuple[PortUrl, ...]] = (
        *CommonSettings.port_urls,
        PortUrl("smtp_url", "smtp_port", "smtp://{host}:{port}"),
        PortUrl("sms_url", "mail_http_port", "http://{host}:{port}/api/v1/sms"),
    )
