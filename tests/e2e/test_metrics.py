"""Prometheus metrics of the four services, scraped from real processes around a declaration."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conftest import System, launch
from tests.support import applicant as a
from tests.support.observe import mails_about, publish
from vssid.devstack.servers import Stack, free_ports

pytestmark = pytest.mark.e2e

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture(scope="module")
def metered(stack: Stack) -> Iterator[System]:
    ocr_port, notifier_port = free_ports(2)
    workers = {
        "ocr_qr": {"VSSID_METRICS_PORT": str(ocr_port)},
        "notifier": {"VSSID_METRICS_PORT": str(notifier_port)},
    }
    with launch(stack, service_env=workers) as running:
        yield running


def metrics_url(system: System, service: str) -> str:
    if service in system.service_env:
        return f"http://127.0.0.1:{system.service_env[service]['VSSID_METRICS_PORT']}/metrics"
    return f"{system.intake_url if service == 'intake' else system.review_url}/metrics"


def scrape_text(system: System, service: str) -> str:
    answer = httpx.get(metrics_url(system, service), timeout=15)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    return answer.text


def scrape(system: System, service: str) -> Samples:
    samples: Samples = {}
    for family in text_string_to_metric_families(scrape_text(system, service)):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sum over samples of `name` whose labels include `labels` (0 when none)."""
    wanted = set(labels.items())
    return sum(v for (n, have), v in samples.items() if n == name and wanted <= have)


def moved(system: System, service: str, before: Samples, name: str, **labels: str) -> float:
    return value(scrape(system, service), name, **labels) - value(before, name, **labels)


def test_one_declaration_moves_the_counters_of_every_service(metered: System) -> None:
    system = metered
    before = {s: scrape(system, s) for s in ("intake", "review", "ocr_qr", "notifier")}
    intake = httpx.Client(base_url=system.intake_url, timeout=30)
    declaration_id, token = a.create_draft(intake, a.unique_bao())
    a.upload_images(intake, declaration_id, token, a.BAO_QR)
    reference = a.submit(intake, declaration_id, token)
    a.wait_for_status(intake, declaration_id, token, "awaiting_verification")
    a.eventually(lambda: mails_about(system.mail_api_url, reference))

    # intake: requests by route template, never by the path with the id in it.
    created = moved(
        system,
        "intake",
        before["intake"],
        "vssid_http_requests_total",
        method="POST",
        route="/v1/declarations",
        status="201",
    )
    assert created == 1
    read = value(
        scrape(system, "intake"),
        "vssid_http_requests_total",
        route="/v1/declarations/{declaration_id}",
        status="200",
    )
    assert read >= 1
    assert (
        value(
            scrape(system, "intake"),
            "vssid_http_request_duration_seconds_count",
            route="/v1/declarations",
        )
        >= 1
    )
    assert (
        value(scrape(system, "intake"), "vssid_declarations", status="awaiting_verification") >= 1
    )

    # ocr_qr: the submitted message, its handler time, the QR read and the findings.
    ocr = before["ocr_qr"]
    assert (
        a.eventually(
            lambda: moved(
                system,
                "ocr_qr",
                ocr,
                "vssid_messages_total",
                consumer="ocr_qr-submitted",
                outcome="acked",
            )
        )
        == 1
    )
    assert (
        moved(
            system,
            "ocr_qr",
            ocr,
            "vssid_message_handler_duration_seconds_count",
            consumer="ocr_qr-submitted",
        )
        == 1
    )
    assert moved(system, "ocr_qr", ocr, "vssid_qr_decodes_total", outcome="found") == 1
    # The plain-colour test portrait is reported as no face photo: at least one finding.
    assert moved(system, "ocr_qr", ocr, "vssid_image_findings_total") >= 1

    # review consumed `scanned`; the notifier mailed the copy and consumed its event.
    assert (
        a.eventually(
            lambda: moved(
                system,
                "review",
                before["review"],
                "vssid_messages_total",
                consumer="review-scanned",
                outcome="acked",
            )
        )
        == 1
    )
    assert (
        a.eventually(
            lambda: moved(
                system,
                "notifier",
                before["notifier"],
                "vssid_notifications_total",
                channel="mail",
                kind="copy",
                outcome="sent",
            )
        )
        == 1
    )

    # Lag and outbox gauges are sampled at scrape and settle at zero once all is consumed.
    a.eventually(
        lambda: (
            value(
                scrape(system, "review"),
                "vssid_consumer_pending_messages",
                consumer="review-scanned",
            )
            == 0
            and ("vssid_consumer_ack_pending_messages", frozenset({("consumer", "review-scanned")}))
            in scrape(system, "review")
        )
    )
    a.eventually(
        lambda: (
            value(scrape(system, "intake"), "vssid_outbox_pending_events") == 0
            and (
                "vssid_outbox_oldest_event_age_seconds",
                frozenset({("collection", "declarations")}),
            )
            in scrape(system, "intake")
        )
    )

    # No personal data and no ids in any label: the scrape never names this declaration.
    for service in ("intake", "review", "ocr_qr", "notifier"):
        text = scrape_text(system, service)
        assert declaration_id not in text
        assert reference not in text
        assert "Bảo" not in text


def test_an_invalid_message_counts_as_dead_lettered(metered: System) -> None:
    before = scrape(metered, "ocr_qr")
    publish(metered.ops, "declarations.4802.submitted", [(b"not json", str(uuid.uuid4()))])
    terminated = a.eventually(
        lambda: moved(
            metered,
            "ocr_qr",
            before,
            "vssid_messages_dead_lettered_total",
            consumer="ocr_qr-submitted",
            reason="terminated",
        )
    )
    assert terminated == 1
    outcome = moved(
        metered,
        "ocr_qr",
        before,
        "vssid_messages_total",
        consumer="ocr_qr-submitted",
        outcome="terminated",
    )
    assert outcome == 1


def test_worker_metrics_port_answers_metrics_and_probes_only(metered: System) -> None:
    url = metrics_url(metered, "notifier").removesuffix("/metrics")
    assert httpx.get(f"{url}/health", timeout=10).json() == {"status": "ok"}
    ready = httpx.get(f"{url}/ready", timeout=10)  # MongoDB and NATS answer the worker
    assert (ready.status_code, ready.json()) == (200, {"status": "ready"})
    assert httpx.get(f"{url}/other", timeout=10).status_code == 404
    assert httpx.post(f"{url}/metrics", timeout=10).status_code == 404
