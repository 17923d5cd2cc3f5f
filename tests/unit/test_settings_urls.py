"""Unset URL settings come from host and ports: the shared URLs and the notifier's alike."""

from __future__ import annotations

import pytest

from vssid_intake.settings import IntakeSettings
from vssid_notifier.settings import NotifierSettings
from vssid_shared.settings import CommonSettings

PORTS = {
    "VSSID_HOST": "10.1.2.3",
    "VSSID_NATS_PORT": "4333",
    "VSSID_MONGO_PORT": "27999",
    "VSSID_SMTP_PORT": "2525",
    "VSSID_MAIL_HTTP_PORT": "9025",
}


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No VSSID_* URL or port of the machine running the tests leaks in."""
    for name in ("NATS", "MONGO", "SMTP", "SMS"):
        monkeypatch.delenv(f"VSSID_{name}_URL", raising=False)
    for name in ("HOST", "NATS_PORT", "MONGO_PORT", "SMTP_PORT", "MAIL_HTTP_PORT"):
        monkeypatch.delenv(f"VSSID_{name}", raising=False)
    return monkeypatch


def test_every_url_comes_from_host_and_its_port(clean_env: pytest.MonkeyPatch) -> None:
    for name, value in PORTS.items():
        clean_env.setenv(name, value)
    notifier = NotifierSettings()
    assert notifier.nats_url == "nats://10.1.2.3:4333"
    assert notifier.mongo_url == "mongodb://10.1.2.3:27999/?directConnection=true&retryWrites=false"
    assert notifier.smtp_url == "smtp://10.1.2.3:2525"
    assert notifier.sms_url == "http://10.1.2.3:9025/api/v1/sms"
    intake = IntakeSettings()
    assert (intake.nats_url, intake.mongo_url) == (notifier.nats_url, notifier.mongo_url)


def test_defaults_name_the_dev_ports(clean_env: pytest.MonkeyPatch) -> None:
    notifier = NotifierSettings()
    assert notifier.nats_url == "nats://127.0.0.1:4222"
    assert (
        notifier.mongo_url == "mongodb://127.0.0.1:27017/?directConnection=true&retryWrites=false"
    )
    assert notifier.smtp_url == "smtp://127.0.0.1:1025"
    assert notifier.sms_url == "http://127.0.0.1:8025/api/v1/sms"


def test_a_given_url_wins_over_host_and_port(clean_env: pytest.MonkeyPatch) -> None:
    for name, value in PORTS.items():
        clean_env.setenv(name, value)
    clean_env.setenv("VSSID_SMTP_URL", "smtp://mail.internal:25")
    clean_env.setenv("VSSID_NATS_URL", "nats://a:1,nats://b:2")
    notifier = NotifierSettings()
    assert notifier.smtp_url == "smtp://mail.internal:25"
    assert notifier.nats_url == "nats://a:1,nats://b:2"
    assert notifier.sms_url == "http://10.1.2.3:9025/api/v1/sms"  # still derived


def test_only_the_notifier_derives_catcher_urls() -> None:
    assert {u.url for u in CommonSettings.port_urls} == {"nats_url", "mongo_url"}
    assert {u.url for u in NotifierSettings.port_urls} == {
        "nats_url",
        "mongo_url",
        "smtp_url",
        "sms_url",
    }
