"""A mail or SMS that left the system is not sent again, whatever dies right after the send.

The notifier is caught between a send that returned and the record of it: the catcher is frozen
(SIGSTOP) while the notifier sends, MongoDB is taken away, then the catcher is let go, so the
send returns into a notifier that cannot record it. Every server is this module's own.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pymongo import MongoClient

from tests.e2e.conftest import System, launch
from tests.support import applicant as a
from tests.support.observe import mails_about, sms_to
from vssid.devstack.config import StackConfig
from vssid.devstack.probes import mongo_answers
from vssid.devstack.servers import (
    Stack,
    catcher_process,
    config_on_free_ports,
    mongo_process,
    nats_process,
    stop_servers,
)
from vssid.devstack.supervisor import ManagedProcess

pytestmark = pytest.mark.e2e


class Servers:
    def __init__(self, config: StackConfig, processes: list[ManagedProcess]) -> None:
        self.config = config
        self.nats, self.mongo, self.mail = processes


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    data_dir = tmp_path_factory.mktemp("once")
    config = config_on_free_ports(data_dir)
    with (data_dir / "servers.log").open("a", encoding="utf-8") as log:
        nats = nats_process(config, data_dir / "nats", echo=log)
        # SIGKILLed below: durable only because mongo_process syncs every commit (the default).
        mongo = mongo_process(config, data_dir / "mongo", echo=log)
        mail = catcher_process(config, data_dir / "mail", echo=log)
        processes = [nats.start(), mongo.start(), mail.start()]
        try:
            nats.wait_http(f"{config.nats_monitor_url}/healthz?js-enabled-only=true", 60)
            mongo.wait_until(lambda: mongo_answers(config.mongo_url), 60, "did not answer ping")
            mail.wait_http(f"{config.mail_api_url}/health", 60)
            yield Servers(config, processes)
        finally:
            for process in processes:
                process.signal(signal.SIGCONT)  # a failed test must not leave one frozen
            stop_servers(processes)


@pytest.fixture(scope="module")
def system(servers: Servers) -> Iterator[System]:
    # The catcher is frozen while the notifier sends: let the sends wait longer than that.
    patient = {"VSSID_SMTP_TIMEOUT_SECONDS": "120", "VSSID_SMS_TIMEOUT_SECONDS": "120"}
    with launch(Stack.from_config(servers.config), extra_env=patient) as running:
        yield running


def delivery(system: System, key: str) -> dict[str, Any] | None:
    client: MongoClient[dict[str, Any]] = MongoClient(
        system.env["VSSID_MONGO_URL"], serverSelectionTimeoutMS=5000
    )
    try:
        found: dict[str, Any] | None = client[system.env["VSSID_MONGO_DB"]]["deliveries"].find_one(
            {"_id": key}
        )
        return found
    finally:
        client.close()


def restart_mongo(servers: Servers) -> None:
    servers.mongo.finish()
    servers.mongo.start().wait_until(
        lambda: mongo_answers(servers.config.mongo_url), 60, "did not answer ping"
    )


def submit(system: System, fields: dict[str, Any]) -> tuple[str, str, str]:
    with httpx.Client(base_url=system.intake_url, timeout=60) as intake:
        declaration_id, token = a.create_draft(intake, fields)
        a.upload_images(intake, declaration_id, token, a.BAO_QR)
        return declaration_id, token, a.submit(intake, declaration_id, token)


def test_a_sent_mail_is_recorded_through_a_mongodb_outage(system: System, servers: Servers) -> None:
    """MongoDB dies after the send returned: the record is retried, the mail is not re-sent."""
    servers.mail.signal(signal.SIGSTOP)
    try:
        declaration_id, _, reference = submit(system, a.unique_bao())
        key = f"{declaration_id}:copy"
        a.eventually(lambda: (delivery(system, key) or {}).get("status") == "sending", 90)
        servers.mongo.kill()  # the notifier is inside the send, which waits for the catcher
        servers.mongo.wait(10)
    finally:
        servers.mail.signal(signal.SIGCONT)
    a.eventually(lambda: mails_about(servers.config.mail_api_url, reference), 60)
    notifier = system.processes["notifier"]
    notifier.wait_log(lambda line: "could not record a finished delivery" in line, 60)
    restart_mongo(servers)
    a.eventually(lambda: (delivery(system, key) or {}).get("status") == "sent", 120)
    record = delivery(system, key)
    assert record is not None
    assert record["attempts"] == 1  # sent once: the notifier itself never sent again
    assert not any("outcome of an earlier send unknown" in line for line in notifier.tail())
    assert len(mails_about(servers.config.mail_api_url, reference)) == 1


def test_an_sms_whose_outcome_is_unknown_is_sent_once(system: System, servers: Servers) -> None:
    """The notifier is SIGKILLed between the send and its record: the redelivery sends again
    with the same Idempotency-Key (and Message-ID) and the receiver keeps one of each."""
    fields = {**a.unique_bao(), "send_email_copy": False}
    declaration_id, token, reference = submit(system, fields)
    with httpx.Client(base_url=system.intake_url, timeout=60) as intake:
        a.wait_for_status(intake, declaration_id, token, "awaiting_verification")
    operator = system.cli("operators", "add", "--agency", "4802", "--name", "Lê C").splitlines()[-1]
    servers.mail.signal(signal.SIGSTOP)
    try:
        with httpx.Client(base_url=system.review_url, timeout=60) as review:
            verified = review.post(
                f"/v1/review/declarations/{declaration_id}/verify",
                json={"note": "đối chiếu"},
                headers=a.auth(operator),
            )
        assert verified.status_code == 200, verified.text
        key = f"{declaration_id}:sms_password"
        a.eventually(lambda: (delivery(system, key) or {}).get("status") == "sending", 90)
        servers.mongo.kill()  # the notifier is inside the send, which waits for the catcher
        servers.mongo.wait(10)
    finally:
        servers.mail.signal(signal.SIGCONT)
    phone = a.e164(fields["phone"])
    a.eventually(lambda: sms_to(servers.config.mail_api_url, phone), 60)
    notifier = system.processes["notifier"]
    notifier.wait_log(lambda line: "could not record" in line and "sms_password" in line, 60)
    notifier.kill()  # dies with the SMS sent and not recorded: its outcome is unknown
    notifier.wait(10)
    notifier.finish()
    restart_mongo(servers)
    restarted = system.start("notifier")
    a.eventually(lambda: (delivery(system, key) or {}).get("status") == "sent", 120)
    restarted.wait_log(lambda line: "outcome of an earlier send unknown" in line, 10)
    record = delivery(system, key)
    assert record is not None
    assert record["attempts"] == 2  # sent twice, with one key
    assert len(sms_to(servers.config.mail_api_url, phone)) == 1
    verified_mail = f"{declaration_id}:verified"
    a.eventually(lambda: (delivery(system, verified_mail) or {}).get("status") == "sent", 120)
    assert len(mails_about(servers.config.mail_api_url, reference)) == 1
