"""notifier's settings."""

from __future__ import annotations

from vssid_shared.settings import CommonSettings


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
