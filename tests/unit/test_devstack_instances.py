"""`vssid dev` runs several instances of a worker when asked, each as its service's NATS user."""

from __future__ import annotations

import pytest

from vssid.devstack.catalog import resolve_services
from vssid.devstack.config import StackConfig


def test_one_instance_of_each_by_default() -> None:
    specs = resolve_services(StackConfig.from_env({}))
    assert [spec.name for spec in specs] == ["ocr_qr", "notifier", "intake", "review"]
    assert all(spec.user == spec.name for spec in specs)


def test_worker_counts_add_instances_with_the_services_login() -> None:
    config = StackConfig.from_env({"VSSID_OCR_QR_WORKERS": "2", "VSSID_NOTIFIER_WORKERS": "3"})
    specs = {spec.name: spec for spec in resolve_services(config)}
    assert set(specs) == {
        "ocr_qr", "ocr_qr-2", "notifier", "notifier-2", "notifier-3", "intake", "review"
    }  # fmt: skip
    assert specs["ocr_qr-2"].user == "ocr_qr"
    assert specs["notifier-3"].user == "notifier"
    assert specs["ocr_qr-2"].argv == specs["ocr_qr"].argv


@pytest.mark.parametrize("raw", ["0", "9", "two", "²", "-1"])
def test_a_bad_count_is_refused_by_name(raw: str) -> None:
    with pytest.raises(ValueError, match="VSSID_OCR_QR_WORKERS"):
        StackConfig.from_env({"VSSID_OCR_QR_WORKERS": raw})
