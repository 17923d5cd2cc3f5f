"""Self-healing of what a lost event leaves undone after the decision: a lost
`account_activated` (the account exists, the SMS never went) and the status mails of a
rejected, reminded (`expiring`) or expired case. Each event is deleted from the stream before
anyone consumed it; review's reconciler finds the missing receipt and the effect still
happens, exactly once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pymongo import MongoClient

from tests.e2e.conftest import System, launch
from tests.support import applicant as a
from tests.support import streams
from tests.support.observe import sms_to
from vssid.devstack.servers import Stack
from vssid_shared.nats_login import NatsLogin

pytestmark = pytest.mark.e2e

ENV = {
    "VSSID_RECONCILE_AFTER_SECONDS": "4",
    "VSSID_RECONCILE_INTERVAL_SECONDS": "1",
    "VSSID_SWEEP_INTERVAL_SECONDS": "1",
    # Three days to come in, reminded five days before: every case is reminded at once.
    "VSSID_VISIT_WINDOW_DAYS": "3",
}


@pytest.fixture(scope="module")
def system(stack: Stack) -> Iterator[System]:
    with launch(stack, extra_env=ENV) as running:
        yield running


@pytest.fixture(scope="module")
def operator(system: System) -> str:
    added = system.cli("operators", "add", "--agency", "4802", "--name", "Hoàng G")
    return added.splitlines()[-1]


def admin(system: System) -> NatsLogin:
    return system.stack.nats_login("bootstrap")


def opened(system: System, fields: dict[str, Any]) -> tuple[str, str]:
    """A declaration submitted and waiting for verification (no copy asked: fewer mails)."""
    with httpx.Client(base_url=system.intake_url, timeout=60) as intake:
        declaration_id, token = a.create_draft(intake, {**fields, "send_email_copy": False})
        a.upload_images(intake, declaration_id, token, a.BAO_QR)
        a.submit(intake, declaration_id, token)
        a.wait_for_status(intake, declaration_id, token, "awaiting_verification", 180)
    return declaration_id, token


def decide(system: System, operator: str, declaration_id: str, action: str) -> None:
    body = {"note": "đối chiếu"} if action == "verify" else {"reason": "Ảnh CCCD bị mờ"}
    with httpx.Client(base_url=system.review_url, timeout=60) as review:
        answer = review.post(
            f"/v1/review/declarations/{declaration_id}/{action}",
            json=body,
            headers=a.auth(operator),
        )
    assert answer.status_code == 200, answer.text


def mails(system: System, kind: str, declaration_id: str) -> list[dict[str, Any]]:
    """Mails of one kind about one declaration, by their stable Message-ID."""
    listed = httpx.get(f"{system.mail_api_url}/api/v1/messages", params={"limit": 5000}).json()
    wanted = f"{kind}.{declaration_id}@vssid.local"
    return [m for m in listed["messages"] if m["MessageID"] == wanted]


def reemitted(system: System, event: str, declaration_id: str) -> list[dict[str, Any]]:
    found = streams.source_events(admin(system), f"declarations.4802.{event}", declaration_id)
    assert all(e["data"]["reconciled"] >= 1 for e in found), found  # the original was deleted
    return found


def status_reached(system: System, declaration_id: str, token: str, status: str) -> None:
    with httpx.Client(base_url=system.intake_url, timeout=60) as intake:
        a.wait_for_status(intake, declaration_id, token, status, timeout=180)


def logged(system: System, service: str, text: str) -> bool:
    return any(text in line for line in system.processes[service].tail())


def test_a_lost_account_activated_is_sent_again(system: System, operator: str) -> None:
    """The account was activated, its `account_activated` lost: no SMS, no receipt. Review
    re-emits `verified`, intake queues the stored `account_activated` again: one SMS."""
    fields = a.unique_bao()
    declaration_id, token = opened(system, fields)
    system.processes["notifier"].stop(15)  # the only consumer of account_activated
    try:
        decide(system, operator, declaration_id, "verify")
        lost = streams.delete_event(admin(system), "account_activated", declaration_id)
    finally:
        system.start("notifier")
    phone = a.e164(fields["phone"])
    a.eventually(lambda: sms_to(system.mail_api_url, phone), 120)
    a.eventually(lambda: mails(system, "verified", declaration_id), 60)
    resent = reemitted(system, "account_activated", declaration_id)
    assert resent
    assert lost["id"] not in {e["id"] for e in resent}
    # The same sealed password: the SMS an applicant may already have stays the valid one.
    assert {e["data"]["sealed"] for e in resent} == {lost["data"]["sealed"]}
    system.processes["intake"].wait_log(lambda line: "sending account_activated again" in line, 30)
    assert logged(system, "review", "re-emitted events of stuck declarations")
    status_reached(system, declaration_id, token, "verified")
    assert len(sms_to(system.mail_api_url, phone)) == 1
    assert len(mails(system, "verified", declaration_id)) == 1


def test_a_lost_rejected_is_sent_again(system: System, operator: str) -> None:
    declaration_id, token = opened(system, a.unique_bao())
    for name in ("intake", "notifier"):  # every consumer of `rejected`
        system.processes[name].stop(15)
    try:
        decide(system, operator, declaration_id, "reject")
        streams.delete_event(admin(system), "rejected", declaration_id)
    finally:
        for name in ("intake", "notifier"):
            system.start(name)
    status_reached(system, declaration_id, token, "rejected")
    a.eventually(lambda: mails(system, "rejected", declaration_id), 120)
    assert reemitted(system, "rejected", declaration_id)
    assert len(mails(system, "rejected", declaration_id)) == 1


def test_a_lost_reminder_is_sent_again(system: System) -> None:
    system.processes["notifier"].stop(15)  # the only consumer of `expiring`
    try:
        declaration_id, _ = opened(system, a.unique_bao())
        streams.delete_event(admin(system), "expiring", declaration_id)
    finally:
        system.start("notifier")
    a.eventually(lambda: mails(system, "expiring", declaration_id), 120)
    assert reemitted(system, "expiring", declaration_id)
    assert len(mails(system, "expiring", declaration_id)) == 1


def past_deadline(system: System, declaration_id: str) -> None:
    """Time passes: the visit deadline is yesterday's, for the sweeper to expire the case."""
    client: MongoClient[dict[str, Any]] = MongoClient(system.env["VSSID_MONGO_URL"])
    try:
        cases = client[system.env["VSSID_MONGO_DB"]]["cases"]
        cases.update_one({"_id": declaration_id}, {"$set": {"deadline": "2020-01-01"}})
    finally:
        client.close()


def test_a_lost_expired_is_sent_again(system: System) -> None:
    declaration_id, token = opened(system, a.unique_bao())
    for name in ("intake", "notifier"):  # every consumer of `expired`
        system.processes[name].stop(15)
    try:
        past_deadline(system, declaration_id)
        streams.delete_event(admin(system), "expired", declaration_id)
    finally:
        for name in ("intake", "notifier"):
            system.start(name)
    status_reached(system, declaration_id, token, "expired")
    a.eventually(lambda: mails(system, "expired", declaration_id), 120)
    assert reemitted(system, "expired", declaration_id)
    assert len(mails(system, "expired", declaration_id)) == 1
