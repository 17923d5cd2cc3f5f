"""One declaration is one trace across the four service processes (OTLP to a local receiver)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.conftest import System, launch
from tests.support import applicant as a
from tests.support.observe import mails_about
from tests.support.otlp import ReceivedSpan, Receiver, otlp_receiver
from vssid.devstack.servers import Stack

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def traced(stack: Stack) -> Iterator[tuple[System, Receiver]]:
    with (
        otlp_receiver() as receiver,
        launch(stack, extra_env={"VSSID_OTEL_ENDPOINT": receiver.url}) as running,
    ):
        yield running, receiver


def names(spans: list[ReceivedSpan]) -> set[tuple[str, str]]:
    return {(span.service, span.name) for span in spans}


EXPECTED = {
    ("vssid-intake", "POST /v1/declarations/{declaration_id}/submit"),
    ("vssid-intake", "declarations.4802.submitted publish"),
    ("vssid-ocr_qr", "ocr_qr-submitted process"),
    ("vssid-ocr_qr", "declarations.4802.scanned publish"),
    ("vssid-review", "review-scanned process"),
    ("vssid-review", "declarations.4802.awaiting_verification publish"),
    ("vssid-notifier", "notifier-awaiting_verification process"),
    ("vssid-review", "review-copy_mailed process"),
}


def test_one_trace_follows_a_declaration_from_submit_to_the_copy_mail(
    traced: tuple[System, Receiver],
) -> None:
    system, receiver = traced
    intake = httpx.Client(base_url=system.intake_url, timeout=30)
    declaration_id, token = a.create_draft(intake, a.unique_bao())
    a.upload_images(intake, declaration_id, token, a.BAO_QR)
    # The client starts the trace: its traceparent is the parent of intake's server span.
    trace_id, client_span = secrets.token_hex(16), secrets.token_hex(8)
    submitted = intake.post(
        f"/v1/declarations/{declaration_id}/submit",
        headers={**a.auth(token), "traceparent": f"00-{trace_id}-{client_span}-01"},
    )
    assert submitted.status_code == 202, submitted.text
    reference = submitted.json()["reference"]
    a.wait_for_status(intake, declaration_id, token, "awaiting_verification")
    a.eventually(lambda: mails_about(system.mail_api_url, reference))

    def whole_trace() -> list[ReceivedSpan] | None:
        found = receiver.of_trace(trace_id)
        return found if names(found) >= EXPECTED else None

    spans = a.eventually(whole_trace, timeout=60)
    by_id = {span.span_id: span for span in spans}
    roots = [span for span in spans if span.parent_id == client_span]
    assert len(roots) == 1, [(s.service, s.name, s.span_id) for s in roots]
    [root] = roots
    assert (root.service, root.name) == (
        "vssid-intake",
        "POST /v1/declarations/{declaration_id}/submit",
    )
    # Every other span hangs under a span of this same trace: one tree, no orphan.
    for each in spans:
        assert each is root or each.parent_id in by_id, each

    def span(service: str, name: str) -> ReceivedSpan:
        [found] = [s for s in spans if (s.service, s.name) == (service, name)]
        return found

    def chain(service: str, name: str) -> list[tuple[str, str]]:
        """The span's ancestors, nearest first, up to the root."""
        above, current = [], span(service, name)
        while current.parent_id in by_id:
            current = by_id[current.parent_id]
            above.append((current.service, current.name))
        return above

    # Each hop descends from the span that created the event it carries (FastAPI's endpoint
    # span inside the server span for intake; the consumer span for the workers and review).
    submit = (root.service, root.name)
    assert chain("vssid-ocr_qr", "ocr_qr-submitted process")[-1] == submit
    assert chain("vssid-intake", "declarations.4802.submitted publish")[-1] == submit
    assert chain("vssid-review", "review-scanned process")[0] == (
        "vssid-ocr_qr",
        "ocr_qr-submitted process",
    )
    assert chain("vssid-notifier", "notifier-awaiting_verification process")[:2] == [
        ("vssid-review", "review-scanned process"),
        ("vssid-ocr_qr", "ocr_qr-submitted process"),
    ]
    assert chain("vssid-review", "review-copy_mailed process")[0] == (
        "vssid-notifier",
        "notifier-awaiting_verification process",
    )
    # Ids and types only: the trace names no person.
    for each in spans:
        assert "Bảo" not in " ".join(each.attributes.values())
        assert reference not in " ".join(each.attributes.values())
