"""SMTP down for 30 s during a batch of 20 declarations: every mail arrives once afterwards."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest

from tests.e2e.conftest import System, launch
from tests.support import applicant as a
from tests.support.observe import mails_about
from vssid.devstack.config import StackConfig
from vssid.devstack.servers import Stack, catcher_process, free_ports
from vssid.devstack.supervisor import ManagedProcess

pytestmark = pytest.mark.e2e
BATCH = 20
OUTAGE_SECONDS = 30.0


@pytest.fixture(scope="module")
def own_mail(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[ManagedProcess, StackConfig]]:
    """A catcher of this module's own, so the test can take SMTP down without hurting others."""
    smtp_port, http_port = free_ports(2)
    config = replace(StackConfig(), smtp_port=smtp_port, mail_http_port=http_port)
    process = catcher_process(config, tmp_path_factory.mktemp("outage-mail"), echo=False)
    process.start().wait_http(f"{config.mail_api_url}/health", 30)
    yield process, config
    process.stop(10)


@pytest.fixture(scope="module")
def outage_system(stack: Stack, own_mail: tuple[ManagedProcess, StackConfig]) -> Iterator[System]:
    config = own_mail[1]
    with launch(stack, smtp_url=config.smtp_url, mail_api_url=config.mail_api_url) as running:
        yield running


def test_mail_waits_out_an_smtp_outage(
    outage_system: System, own_mail: tuple[ManagedProcess, StackConfig]
) -> None:
    catcher, config = own_mail
    catcher.stop(10)  # SMTP (and the mail API with it) is down from here
    references = []
    with httpx.Client(base_url=outage_system.intake_url, timeout=30) as intake:
        for _ in range(BATCH):
            declaration_id, token = a.create_draft(intake, a.unique_bao())
            a.upload_images(intake, declaration_id, token, a.BAO_QR)
            references.append(a.submit(intake, declaration_id, token))
    time.sleep(OUTAGE_SECONDS)  # the outage itself, not a synchronisation: the notifier retries
    catcher.start().wait_http(f"{config.mail_api_url}/health", 30)

    def all_arrived() -> list[str] | None:
        subjects = [m["Subject"] for m in mails_about(config.mail_api_url, "4802-")]
        return subjects if len(subjects) >= BATCH else None

    subjects = a.eventually(all_arrived, 240, every=2.0)
    for reference in references:
        assert sum(reference in subject for subject in subjects) == 1, reference
