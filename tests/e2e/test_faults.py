"""At-least-once delivery with exactly-once effects: redelivery, poison messages, concurrency."""

from __future__ import annotations

import concurrent.futures
import functools
import json
import uuid
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import System
from tests.support import applicant as a
from tests.support.faults import campaign
from tests.support.observe import deadletters, mails_about, publish, stream_events
from vssid_shared.nats_login import NatsLogin

pytestmark = pytest.mark.e2e


def submitted_declaration(system: System, email: str) -> tuple[str, str, str]:
    intake = httpx.Client(base_url=system.intake_url, timeout=30)
    declaration_id, token = a.create_draft(intake, {**a.unique_bao(), "email": email})
    a.upload_images(intake, declaration_id, token, a.BAO_QR)
    reference = a.submit(intake, declaration_id, token)
    a.wait_for_status(intake, declaration_id, token, "awaiting_verification")
    return declaration_id, token, reference


def dead_lettered(ops: NatsLogin, seq: int) -> list[dict[str, object]]:
    return [d for d in deadletters(ops) if d.get("stream_seq") == seq]


def test_the_same_event_delivered_five_times_has_one_effect(system: System) -> None:
    ops = system.ops  # the tools' NATS login: reads the streams, may republish
    declaration_id, _, reference = submitted_declaration(system, "five@example.com")
    [submitted] = stream_events(ops, "declarations.4802.submitted", declaration_id)
    [opened] = stream_events(ops, "declarations.4802.awaiting_verification", declaration_id)
    # New message ids get past JetStream's dedup: to the consumers these are redeliveries.
    for subject, event in (("submitted", submitted), ("awaiting_verification", opened)):
        copies = [(json.dumps(event).encode(), str(uuid.uuid4())) for _ in range(5)]
        publish(ops, f"declarations.4802.{subject}", copies)
        # An invalid marker behind the copies: once it is dead-lettered, the copies were handled.
        [marker] = publish(ops, f"declarations.4802.{subject}", [(b"{}", str(uuid.uuid4()))])
        a.eventually(functools.partial(dead_lettered, ops, marker), 60)

    assert len(stream_events(ops, "declarations.4802.scanned", declaration_id)) == 1
    assert len(mails_about(system.mail_api_url, reference)) == 1


def test_a_poison_message_ends_in_the_dead_letters(system: System) -> None:
    ops = system.ops  # the tools' NATS login: reads the streams, may republish
    [seq] = publish(ops, "declarations.4802.submitted", [(b"not an event", "poison-1")])

    def by_both_consumers() -> list[dict[str, object]]:
        # `submitted` has two durables (ocr_qr scans, the notifier keeps the recipient).
        found = dead_lettered(ops, seq)
        return found if len(found) == 2 else []

    advisories = a.eventually(by_both_consumers, 60)
    assert sorted(str(d["consumer"]) for d in advisories) == [
        "notifier-submitted",
        "ocr_qr-submitted",
    ]
    listed = system.cli("deadletters", "list")
    assert f"{seq}\tocr_qr-submitted\tterminated" in listed
    assert f"{seq}\tnotifier-submitted\tterminated" in listed


def test_concurrent_verifications_succeed_once(system: System) -> None:
    declaration_id, _, _ = submitted_declaration(system, "twice@example.com")
    token = system.cli("operators", "add", "--agency", "4802", "--name", "Trần B").splitlines()[-1]

    def verify() -> int:
        with httpx.Client(base_url=system.review_url, timeout=30) as review:
            response = review.post(
                f"/v1/review/declarations/{declaration_id}/verify",
                json={"note": "đối chiếu"},
                headers={"Authorization": f"Bearer {token}"},
            )
            return response.status_code

    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        codes = list(pool.map(lambda _: verify(), range(6)))
    assert sorted(codes) == [200, 409, 409, 409, 409, 409]
    ops = system.ops  # the tools' NATS login: reads the streams, may republish
    verified = a.eventually(
        lambda: stream_events(ops, "declarations.4802.verified", declaration_id)
    )
    assert len(verified) == 1


def test_an_autofill_waits_for_a_restarting_decoder(system: System) -> None:
    """With no ocr_qr worker subscribed, a decode waits for one instead of failing at once."""
    system.processes["ocr_qr"].stop(15.0)
    pool = concurrent.futures.ThreadPoolExecutor(1)
    try:
        pending = pool.submit(
            httpx.post,
            f"{system.intake_url}/v1/qr/decode",
            json={"payload": a.BAO_QR},
            timeout=90,
        )
        with pytest.raises(concurrent.futures.TimeoutError):
            pending.result(timeout=2)  # still waiting: no worker can answer yet
        system.start("ocr_qr")
        response = pending.result(timeout=90)
    finally:
        if not system.processes["ocr_qr"].running:
            system.start("ocr_qr")  # later tests in this module need it
        pool.shutdown(wait=True)
    assert response.status_code == 200, response.text
    assert response.json()["kind"] == "cccd"


# Nine faults, each waited out, on a machine the other tests load too: more than the default.
@pytest.mark.timeout(900)
def test_a_fault_campaign_loses_nothing_doubles_nothing_and_leaves_nothing_stuck(
    tmp_path: Path,
) -> None:
    """`vssid dev` carries 20 declarations (half with the e-mail copy, every one verified, so
    each gets its initial-password SMS) while each service is SIGKILLed (ocr_qr and the notifier
    twice), NATS and the MongoDB-protocol server are SIGKILLed (the supervisor restarts them)
    and the mail/SMS catcher is frozen past the send timeouts. Every mail is counted by
    Message-ID and recipient, every SMS by recipient and kind."""
    outcome = campaign.run(tmp_path, count=20, concurrency=4, freeze=12.0, say=print)
    print("\n".join(campaign.report(outcome)))  # shown with -s: the counts and recovery times
    counts = outcome.counts()
    shown = campaign.details(outcome)
    assert counts["submitted"] == 20, shown
    assert outcome.errors == [], shown
    assert outcome.stuck == [], shown
    assert counts["lost"] == 0, shown
    assert counts["doubled"] == 0, shown
    assert counts["unexpected"] == 0, shown
    assert counts["http_5xx_not_503"] == 0, shown
    assert counts["503_without_retry_after"] == 0, shown
    # Every fault was recovered from; each kill was of a live child, restarted by `vssid dev`.
    assert all(fault.ready_s is not None for fault in outcome.faults), campaign.report(outcome)
