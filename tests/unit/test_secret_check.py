"""The production secret check refuses placeholders, short and low-entropy secrets."""

from __future__ import annotations

import secrets

import pytest
from pydantic import ValidationError

from vssid_shared.secrets_check import estimated_bits, secret_problem
from vssid_shared.settings import DEV_SECRET, CommonSettings


@pytest.mark.parametrize(
    "secret",
    [
        DEV_SECRET,
        " " * 32,
        " " * 64,
        "a" * 64,
        "ab" * 32,
        "abcd" * 16,
        "short-but-random-Q7x!",
        "0123456789" * 4,
    ],
)
def test_weak_secrets_are_refused_in_prod(secret: str) -> None:
    assert secret_problem(secret, DEV_SECRET) is not None
    with pytest.raises(ValidationError):
        CommonSettings(env="prod", secret_key=secret)


@pytest.mark.parametrize(
    "secret", [secrets.token_urlsafe(48), secrets.token_hex(32), secrets.token_urlsafe(32)]
)
def test_generated_secrets_pass(secret: str) -> None:
    assert secret_problem(secret, DEV_SECRET) is None
    CommonSettings(env="prod", secret_key=secret)


def test_dev_and_test_keep_the_placeholder() -> None:
    assert CommonSettings(env="test").secret_key.get_secret_value() == DEV_SECRET


def test_the_estimate_is_zero_for_one_repeated_character() -> None:
    assert estimated_bits("x" * 100) == 0.0
    assert estimated_bits(secrets.token_urlsafe(48)) > 200


def test_forwarded_headers_are_trusted_from_nobody_by_default() -> None:
    assert CommonSettings().uvicorn_proxy_options() == {
        "proxy_headers": False,
        "forwarded_allow_ips": "",
    }
    configured = CommonSettings(trusted_proxies="10.0.0.5, 10.1.0.0/16")
    assert configured.uvicorn_proxy_options() == {
        "proxy_headers": True,
        "forwarded_allow_ips": "10.0.0.5,10.1.0.0/16",
    }
