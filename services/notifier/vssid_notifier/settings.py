"""notifier's settings."""

from __future__ import annotations

from typing import Any

from pydantic import model_validator

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
    # As `vssid dev` names them: with no URL set, the catcher's URLs come from host and these.
    smtp_port: int = 1025
    mail_http_port: int = 8025

    @model_validator(mode="before")
    @classmethod
    def _catcher_urls(cls, values: Any) -> Any:
        if not isinstance(values, dict):
            return values
        host = str(values.get("host") or "127.0.0.1")
        derived = dict(values)
        if not values.get("smtp_url"):
            derived["smtp_url"] = f"smtp://{host}:{int(values.get('smtp_port') or 1025)}"
        if not values.get("sms_url"):
            port = int(values.get("mail_http_port") or 8025)
            derived["sms_url"] = f"http://{host}:{port}/api/v1/sms"
        return derived
