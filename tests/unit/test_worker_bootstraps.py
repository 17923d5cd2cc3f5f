"""The workers' composition roots take fakes by name (nothing connected, nothing started) and
hand the use cases what they were given; importing a worker's entrypoint builds nothing."""

from __future__ import annotations

import subprocess
import sys

from tests.fakes import (
    FakeDeliveries,
    FakeInspector,
    FakeMailer,
    FakeOutbox,
    FakePhotos,
    FakeRecipients,
    FakeScans,
    FakeSms,
    FrozenClock,
)
from vssid_notifier.bootstrap import bootstrap as notifier_bootstrap
from vssid_notifier.settings import NotifierSettings
from vssid_ocr_qr.bootstrap import bootstrap as ocr_bootstrap
from vssid_ocr_qr.settings import OcrQrSettings

SECRET = "w" * 40


def test_ocr_qr_bootstrap_takes_fakes() -> None:
    scans, photos, outbox, clock = FakeScans(), FakePhotos(), FakeOutbox(), FrozenClock()
    inspect = FakeInspector()
    service = ocr_bootstrap(
        OcrQrSettings(secret_key=SECRET, scan_workers=1, decode_workers=1),
        scans=scans,
        photos=photos,
        outbox=outbox,
        clock=clock,
        inspect=inspect,
    )
    assert service.scan.scans is scans
    assert service.scan.photos is photos
    assert service.scan.outbox is outbox
    assert service.scan.clock is clock
    assert service.scan.inspect is inspect
    assert service.decode.uploads is photos


def test_notifier_bootstrap_takes_fakes() -> None:
    parts = {
        "deliveries": FakeDeliveries(),
        "recipients": FakeRecipients(),
        "mailer": FakeMailer(),
        "sms": FakeSms(),
        "outbox": FakeOutbox(),
        "clock": FrozenClock(),
    }
    service = notifier_bootstrap(NotifierSettings(secret_key=SECRET), **parts)  # type: ignore[arg-type]
    for name, given in parts.items():
        assert getattr(service.deps, name) is given, name


def test_importing_a_worker_entrypoint_builds_no_app() -> None:
    """`faststream run --factory` builds the app; an import (docs, tests) must not connect."""
    probe = (
        "import vssid_shared.runtime as r\n"
        "r.Runtime.create = classmethod(lambda cls, s: (_ for _ in ()).throw(SystemExit(3)))\n"
        "import vssid_ocr_qr.entrypoints.worker, vssid_notifier.entrypoints.worker\n"
        "import vssid_intake.entrypoints.worker, vssid_review.entrypoints.worker\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
