"""Self-healing: an event deleted from the stream before anyone consumed it does not leave its
declaration stuck; the reconcilers (intake's loop, review's sweeper) send it again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import System, launch
from tests.support import applicant as a
from tests.support import streams
from tests.support.observe import mails_about, sms_to
from vssid.devstack.servers import Stack
from vssid_shared.nats_login import NatsLogin

pytestmark = pytest.mark.e2e

# A short reconcile period, so the test waits seconds, not the default 15 minutes.
RECONCILE = {
    "VSSID_RECONCILE_AFTER_SECONDS": "4",
    "VSSID_RECONCILE_INTERVAL_SECONDS": "1",
    "VSSID_SWEEP_INTERVAL_SECONDS": "1",
}


@pytest.fixture(scope="module")
def system(stack: Stack) -> Iterator[System]:
    with launch(stack, extra_env=RECONCILE) as running:
        yield running


def admin(system: System) -> NatsLogin:
    """The JetStream admin login (the bootstrap's): the only one that may delete a message."""
    return system.stack.nats_login("bootstrap")


def stream_events(system: System, subject: str, declaration_id: str) -> list[dict[str, Any]]:
    """The declaration's events on `subject` in the source stream (the read-only mirror keeps
    the copies this test deletes from the source)."""
    return streams.source_events(admin(system), subject, declaration_id)


def delete_event(system: System, event: str, declaration_id: str) -> dict[str, Any]:
    """Waits for the declaration's `event` to reach the stream, then deletes it from there."""
    return streams.delete_event(admin(system), event, declaration_id)


def draft(system: System, fields: dict[str, Any]) -> tuple[str, str]:
    with httpx.Client(base_url=system.intake_url, timeout=60) as intake:
        declaration_id, token = a.create_draft(intake, fields)
        a.upload_images(intake, declaration_id, token, a.BAO_QR)
    return declaration_id, token


def submit(system: System, declaration_id: str, token: str) -> str:
    with httpx.Client(base_url=system.intake_url, timeout=60) as intake:
        return a.submit(intake, declaration_id, token)


def status_reached(system: System, declaration_id: str, token: str, status: str) -> None:
    with httpx.Client(base_url=system.intake_url, timeout=60) as intake:
        a.wait_for_status(intake, declaration_id, token, status, timeout=180)


def test_a_lost_submitted_is_sent_again(system: System) -> None:
    declaration_id, token = draft(system, a.unique_bao())
    system.processes["ocr_qr"].stop(15)  # nobody consumes `submitted` until it is deleted
    try:
        reference = submit(system, declaration_id, token)
        lost = delete_event(system, "submitted", declaration_id)
    finally:
        system.start("ocr_qr")
    status_reached(system, declaration_id, token, "awaiting_verification")

    # One re-emit per period while ocr_qr starts: on a loaded machine that may be more than one.
    resent = stream_events(system, "declarations.4802.submitted", declaration_id)
    assert [e["data"]["reconciled"] for e in resent] == list(range(1, len(resent) + 1))
    assert lost["id"] not in {e["id"] for e in resent}
    again = resent[0]
    # Scanned once; copies queued while ocr_qr started each got the stored `scanned` again.
    scanned = stream_events(system, "declarations.4802.scanned", declaration_id)
    assert [e for e in scanned if "reconciled" not in e["data"]] == scanned[:1]
    assert all(e["data"]["reconciled"] >= 1 for e in scanned[1:])
    # The original submission time, as MongoDB keeps it (milliseconds), not the re-emit's.
    first, later = (datetime.fromisoformat(e["data"]["submitted_at"]) for e in (lost, again))
    assert abs(later - first) < timedelta(seconds=1)
    system.processes["intake"].wait_log(lambda line: "stuck in submitted" in line, 10)
    assert any(
        "re-emitted events of stuck declarations" in line and '"count": 1' in line
        for line in system.processes["intake"].tail()
    )
    a.eventually(lambda: mails_about(system.mail_api_url, reference), 60)
    assert len(mails_about(system.mail_api_url, reference)) == 1  # the copy, once


def test_a_lost_scanned_is_sent_again_by_ocr_qr(system: System) -> None:
    """ocr_qr already scanned: the reconciler's `submitted` makes it re-queue its `scanned`."""
    declaration_id, token = draft(system, {**a.unique_bao(), "send_email_copy": False})
    system.processes["review"].stop(15)
    try:
        submit(system, declaration_id, token)
        delete_event(system, "scanned", declaration_id)
    finally:
        system.start("review")
    status_reached(system, declaration_id, token, "awaiting_verification")
    # Only ocr_qr's re-queued copies are left: the first `scanned` was deleted.
    scanned = stream_events(system, "declarations.4802.scanned", declaration_id)
    assert scanned
    assert all(e["data"]["reconciled"] >= 1 for e in scanned)
    # The case opened once; later re-queued copies (one per period, if any) say so.
    opened = stream_events(system, "declarations.4802.awaiting_verification", declaration_id)
    assert "reconciled" not in opened[0]["data"]
    assert all("reconciled" in e["data"] for e in opened[1:])


def test_a_lost_verified_is_sent_again_by_review(system: System) -> None:
    """No SMS receipt after the period: review sends `verified` again; one SMS arrives."""
    fields = {**a.unique_bao(), "send_email_copy": False}
    declaration_id, token = draft(system, fields)
    submit(system, declaration_id, token)
    status_reached(system, declaration_id, token, "awaiting_verification")
    operator = system.cli("operators", "add", "--agency", "4802", "--name", "Phạm D")
    operator_token = operator.splitlines()[-1]
    for name in ("intake", "notifier"):  # every consumer of `verified`
        system.processes[name].stop(15)
    try:
        with httpx.Client(base_url=system.review_url, timeout=60) as review:
            verified = review.post(
                f"/v1/review/declarations/{declaration_id}/verify",
                json={"note": "đối chiếu"},
                headers=a.auth(operator_token),
            )
        assert verified.status_code == 200, verified.text
        delete_event(system, "verified", declaration_id)
    finally:
        for name in ("intake", "notifier"):
            system.start(name)
    status_reached(system, declaration_id, token, "verified")
    phone = a.e164(fields["phone"])
    a.eventually(lambda: sms_to(system.mail_api_url, phone), 120)
    assert len(sms_to(system.mail_api_url, phone)) == 1
    resent = stream_events(system, "declarations.4802.verified", declaration_id)
    assert resent
    assert all(e["data"]["reconciled"] >= 1 for e in resent)  # the original was deleted


def test_a_lost_copy_receipt_is_sent_again_by_the_notifier(system: System) -> None:
    """The copy went out but its `copy_mailed` was lost: review's reconciler asks again, the
    notifier sends no second mail and re-queues the receipt, and review's audit gets it."""
    declaration_id, token = draft(system, a.unique_bao())
    system.processes["notifier"].stop(15)
    try:
        reference = submit(system, declaration_id, token)
        status_reached(system, declaration_id, token, "awaiting_verification")
        system.processes["review"].stop(15)  # the case is open; nobody takes the receipt
    finally:
        system.start("notifier")
    try:
        delete_event(system, "copy_mailed", declaration_id)
    finally:
        system.start("review")
    operator = system.cli("operators", "add", "--agency", "4802", "--name", "Vũ E")
    with httpx.Client(base_url=system.review_url, timeout=60) as review:

        def copy_receipts() -> list[dict[str, Any]]:
            case = review.get(
                f"/v1/review/declarations/{declaration_id}",
                headers=a.auth(operator.splitlines()[-1]),
            )
            return [e for e in case.json()["audit"] if e["action"] == "delivery:copy"]

        receipts = a.eventually(copy_receipts, 120)
    assert {r["status"] for r in receipts} == {"sent"}
    assert len(mails_about(system.mail_api_url, reference)) == 1
