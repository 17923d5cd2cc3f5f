"""Two ocr_qr and two notifier processes on the same durable consumers split the work and
every effect happens once: each instance handles some messages (its own log says which), each
copy, verified mail and SMS is sent once (one attempt in the notifier's records, one in the
catcher)."""

from __future__ import annotations

import concurrent.futures
import functools
import json
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pymongo import MongoClient

from tests.e2e.conftest import READY_TIMEOUT, System, launch
from tests.support import applicant as a
from tests.support.observe import mails_about, sms_to
from vssid.devstack.catalog import is_ready_event
from vssid.devstack.servers import Stack
from vssid.devstack.supervisor import ManagedProcess

pytestmark = pytest.mark.e2e

DECLARATIONS = 6


@pytest.fixture(scope="module")
def system(stack: Stack) -> Iterator[System]:
    with launch(stack) as running:
        for name in ("ocr_qr", "notifier"):
            start_instance(running, name, f"{name}-2")
        yield running


def start_instance(system: System, service: str, label: str) -> ManagedProcess:
    """Another process of `service`, as `vssid dev` starts one for VSSID_<SERVICE>_WORKERS."""
    env = {**system.env, **system.stack.nats_login(service).env()}
    argv = [sys.executable, "-m", f"vssid_{service}"]
    process = ManagedProcess(label, argv, env=env, echo=False)
    system.processes[label] = process.start()
    process.wait_log(is_ready_event, READY_TIMEOUT)
    return process


def handled(process: ManagedProcess, subject_part: str) -> int:
    """Messages on subjects containing `subject_part` this process finished (FastStream logs
    "Processed" with the subject of each); from the last 200 lines, far more than a few
    declarations make."""
    count = 0
    for line in process.tail():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("msg") == "Processed" and subject_part in str(record.get("subject")):
            count += 1
    return count


def deliveries(system: System) -> list[dict[str, Any]]:
    client: MongoClient[dict[str, Any]] = MongoClient(system.env["VSSID_MONGO_URL"])
    try:
        return list(client[system.env["VSSID_MONGO_DB"]]["deliveries"].find({}))
    finally:
        client.close()


def through_verification(system: System, operator: str) -> tuple[str, str]:
    """One declaration submitted, scanned and verified; its reference and phone (E.164)."""
    fields = a.unique_bao()
    with httpx.Client(base_url=system.intake_url, timeout=60) as intake:
        declaration_id, token = a.create_draft(intake, fields)
        a.upload_images(intake, declaration_id, token, a.BAO_QR)
        reference = a.submit(intake, declaration_id, token)
        a.wait_for_status(intake, declaration_id, token, "awaiting_verification", 120)
        with httpx.Client(base_url=system.review_url, timeout=60) as review:
            verified = review.post(
                f"/v1/review/declarations/{declaration_id}/verify",
                json={"note": "đối chiếu"},
                headers=a.auth(operator),
            )
        assert verified.status_code == 200, verified.text
        a.wait_for_status(intake, declaration_id, token, "verified", 120)
    return reference, a.e164(fields["phone"])


def mailed_twice(mail_api_url: str, reference: str) -> bool:
    return len(mails_about(mail_api_url, reference)) >= 2


def test_two_instances_split_the_work_and_send_everything_once(system: System) -> None:
    operator = system.cli("operators", "add", "--agency", "4802", "--name", "Lê C").splitlines()[-1]
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        done = list(pool.map(lambda _: through_verification(system, operator), range(DECLARATIONS)))
    for reference, phone in done:
        a.eventually(functools.partial(mailed_twice, system.mail_api_url, reference), 120)
        a.eventually(functools.partial(sms_to, system.mail_api_url, phone), 120)

    ocr = [system.processes["ocr_qr"], system.processes["ocr_qr-2"]]
    notifiers = [system.processes["notifier"], system.processes["notifier-2"]]
    scans = [handled(p, ".submitted") for p in ocr]
    notices = [handled(p, ".verified") + handled(p, ".awaiting_verification") for p in notifiers]
    assert all(scans), f"scans per ocr_qr instance: {scans}; log: {ocr[0].tail(20)}"
    assert sum(scans) >= DECLARATIONS
    assert all(notices), f"messages per notifier instance: {notices}"

    for reference, phone in done:
        assert len(mails_about(system.mail_api_url, reference)) == 2, reference
        assert len(sms_to(system.mail_api_url, phone)) == 1, phone
    # Not only kept once by the receiver: sent once, by one of the two notifiers.
    records = deliveries(system)
    assert len(records) >= 3 * DECLARATIONS
    assert [r["_id"] for r in records if r.get("attempts") != 1] == []
