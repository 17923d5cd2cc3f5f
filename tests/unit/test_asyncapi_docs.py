"""The workers' AsyncAPI documents: what `make docs` wrote, and what review serves at /asyncapi."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from vssid.asyncapi_docs import TARGETS, WORKERS
from vssid_review.entrypoints.api import create_app
from vssid_review.settings import ReviewSettings
from vssid_shared.nats_access import consumer_user
from vssid_shared.subjects import CONSUMERS

DOCS, PACKAGED = TARGETS


def test_docs_and_the_copy_review_serves_are_the_same_files() -> None:
    for name in WORKERS:
        assert (DOCS / f"{name}.json").read_text() == (PACKAGED / f"{name}.json").read_text()


def test_each_worker_documents_its_subscriptions_with_the_cloudevent_payload() -> None:
    ocr = json.loads((DOCS / "ocr_qr.json").read_text(encoding="utf-8"))
    assert ocr["asyncapi"].startswith("3.")
    addresses = {channel["address"] for channel in ocr["channels"].values()}
    assert addresses == {"declarations.*.submitted", "vssid.rpc.qr.decode"}
    envelope = ocr["components"]["schemas"]["CloudEvent"]
    assert {"id", "type", "source", "subject", "correlationid"} <= set(envelope["required"])
    notifier = json.loads((DOCS / "notifier.json").read_text(encoding="utf-8"))
    events = {channel["address"].split(".")[-1] for channel in notifier["channels"].values()}
    # Every durable consumer the notifier pulls from is documented (subjects.CONSUMERS is the
    # list the bootstrap declares), and nothing else.
    assert events == {c.event.value for c in CONSUMERS if consumer_user(c) == "notifier"}
    assert {"awaiting_verification", "verified", "account_activated", "withdrawn"} <= events
    payloads = {m["payload"]["$ref"] for m in notifier["components"]["messages"].values()}
    assert payloads == {"#/components/schemas/CloudEvent"}


def test_review_serves_the_documents() -> None:
    client = TestClient(create_app(ReviewSettings(env="test")))  # no lifespan: no servers needed
    index = client.get("/asyncapi")
    assert index.status_code == 200
    assert set(index.json()) == {"ocr_qr", "notifier"}
    doc = client.get(index.json()["ocr_qr"]["href"])
    assert doc.status_code == 200
    assert doc.json() == json.loads((DOCS / "ocr_qr.json").read_text(encoding="utf-8"))
    missing = client.get("/asyncapi/intake")
    assert missing.status_code == 404
    assert missing.json()["detail"][0]["code"] == "not_found"
