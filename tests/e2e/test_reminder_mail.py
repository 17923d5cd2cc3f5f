"""A short visit window: the sweeper's `expiring` reminder reaches the applicant once, by mail."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.conftest import System, launch
from tests.support import applicant as a
from tests.support.observe import mails_about, stream_events
from vssid.devstack.servers import Stack

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def short_window(stack: Stack) -> Iterator[System]:
    # Three days to come in and a reminder five days before: due at once, swept every second.
    env = {"VSSID_VISIT_WINDOW_DAYS": "3", "VSSID_SWEEP_INTERVAL_SECONDS": "1"}
    with launch(stack, extra_env=env) as running:
        yield running


def test_reminder_mail_is_sent_once(short_window: System) -> None:
    with httpx.Client(base_url=short_window.intake_url, timeout=30) as intake:
        declaration_id, token = a.create_draft(intake, a.unique_bao())
        a.upload_images(intake, declaration_id, token, a.BAO_QR)
        reference = a.submit(intake, declaration_id, token)
        a.wait_for_status(intake, declaration_id, token, "awaiting_verification")

    def reminders() -> list[dict[str, str]]:
        mails = mails_about(short_window.mail_api_url, reference)
        return [m for m in mails if "copy" not in m.get("MessageID", "")]

    [reminder] = a.eventually(reminders, 60)
    assert reminder["MessageID"].startswith("expiring.")
    ops = short_window.ops  # the tools' NATS login: reads the streams, may republish
    assert len(stream_events(ops, "declarations.4802.expiring", declaration_id)) == 1
