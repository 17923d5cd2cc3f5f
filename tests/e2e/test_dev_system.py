"""`vssid dev` (what `make dev` runs) carries a declaration, stops cleanly and keeps the data."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import applicant as a
from tests.support.devrun import HOST, DevRun
from tests.support.observe import mails_about

pytestmark = pytest.mark.e2e
ALL_SERVICES = "intake,review,ocr_qr,notifier"


@pytest.fixture
def runs() -> Iterator[list[DevRun]]:
    started: list[DevRun] = []
    yield started
    for run in started:
        if run.process.running:
            run.stop_with(signal.SIGTERM)
        run.process.kill()


def test_dev_runs_the_path_stops_and_keeps_data(tmp_path: Path, runs: list[DevRun]) -> None:
    first = DevRun(tmp_path, services=ALL_SERVICES)
    runs.append(first)
    first.start_until_ready()
    intake_url = first.url("http", "VSSID_INTAKE_PORT")
    mail_url = first.url("http", "VSSID_MAIL_HTTP_PORT")
    with httpx.Client(base_url=intake_url, timeout=30) as intake:
        declaration_id, token = a.create_draft(intake, a.unique_bao())
        a.upload_images(intake, declaration_id, token, a.BAO_QR)
        reference = a.submit(intake, declaration_id, token)
        a.wait_for_status(intake, declaration_id, token, "awaiting_verification")
    a.eventually(lambda: mails_about(mail_url, reference))

    assert first.stop_with(signal.SIGINT) == 0
    assert first.open_ports() == []

    second = DevRun(tmp_path, ports=first.ports, services=ALL_SERVICES)
    runs.append(second)
    second.start_until_ready()
    with httpx.Client(base_url=intake_url, timeout=30) as intake:
        kept = a.status_of(intake, declaration_id, token)
    assert kept["status"] == "awaiting_verification"
    assert kept["reference"] == reference
    assert len(mails_about(mail_url, reference)) == 1
    lookup = httpx.get(
        f"http://{HOST}:{first.ports['VSSID_INTAKE_PORT']}/v1/social-insurance/lookup",
        params={
            "full_name": "Nguyen Van Bao",
            "date_of_birth": "1990-03-15",
            "province_code": "48",
        },
    )
    assert lookup.json()["matches"], "the sample registry was loaded on the first start"
    assert second.stop_with(signal.SIGTERM) == 0
