"""review's HTTP contract (CONTRACT §4): who may see what, decisions, images, live events."""

from __future__ import annotations

import json
import signal
import threading

import httpx
import pytest

from tests.e2e.conftest import System
from tests.support import applicant as a
from tests.support.observe import publish

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def case(system: System) -> tuple[str, str]:
    with httpx.Client(base_url=system.intake_url, timeout=30) as intake:
        declaration_id, token = a.create_draft(intake, a.unique_bao())
        a.upload_images(intake, declaration_id, token, a.BAO_QR)
        reference = a.submit(intake, declaration_id, token)
        a.wait_for_status(intake, declaration_id, token, "awaiting_verification")
    return declaration_id, reference


def operator(system: System, agency: str, name: str = "Nguyễn Văn B") -> str:
    return system.cli("operators", "add", "--agency", agency, "--name", name).splitlines()[-1]


def endpoints(declaration_id: str, reference: str) -> list[tuple[str, str, dict[str, str]]]:
    base = f"/v1/review/declarations/{declaration_id}"
    return [
        ("GET", "/v1/review/queue", {}),
        ("GET", base, {}),
        ("GET", f"/v1/review/declarations/by-reference/{reference}", {}),
        ("GET", f"{base}/images/portrait", {}),
        ("POST", f"{base}/verify", {"note": "x"}),
        ("POST", f"{base}/reject", {"reason": "x"}),
        ("GET", "/v1/review/events", {}),
    ]


def test_authorization_matrix(system: System, case: tuple[str, str]) -> None:
    declaration_id, reference = case
    other_agency = operator(system, "4803", "Lê Thị C")
    disabled = operator(system, "4802", "Phạm D")
    operator_id = next(
        line.split("\t")[0]
        for line in system.cli("operators", "list").splitlines()
        if line.endswith("Phạm D")
    )
    system.cli("operators", "disable", operator_id)
    with httpx.Client(base_url=system.review_url, timeout=10) as review:
        for method, path, body in endpoints(declaration_id, reference):
            payload = body if method == "POST" else None
            anonymous = review.request(method, path, json=payload)
            assert anonymous.status_code == 401, (path, anonymous.status_code)
            off = review.request(method, path, headers=bearer(disabled), json=payload)
            assert off.status_code == 401, (path, off.status_code)
            if "declarations" in path:
                foreign = review.request(method, path, headers=bearer(other_agency), json=payload)
                assert foreign.status_code == 404, (path, foreign.status_code)
        queue = review.get("/v1/review/queue", headers=bearer(other_agency))
        assert all(item["agency_code"] == "4803" for item in queue.json())


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_case_shows_fields_images_and_audit(system: System, case: tuple[str, str]) -> None:
    declaration_id, reference = case
    token = operator(system, "4802")
    with httpx.Client(base_url=system.review_url, timeout=10) as review:
        detail = review.get(f"/v1/review/declarations/{declaration_id}", headers=bearer(token))
        assert detail.status_code == 200
        body = detail.json()
        assert body["reference"] == reference
        assert body["enrichment"]["card"]["id_number"] == "048090900101"
        assert body["discrepancies"] == []
        image = review.get(body["images"][0]["url"], headers=bearer(token))
        assert image.status_code == 200
        assert image.headers["content-type"].startswith("image/")
        again = review.get(f"/v1/review/declarations/{declaration_id}", headers=bearer(token))
        audit = again.json()["audit"]
        reads = [e for e in audit if e["action"] == "read"]
        assert reads, audit
        assert all(e["from"] == "127.0.0.1" and e["operator"] == "Nguyễn Văn B" for e in reads)
        assert any(e["action"] == "image:portrait" for e in audit)

        def copy_receipt() -> list[dict[str, str]]:
            audit = review.get(f"/v1/review/declarations/{declaration_id}", headers=bearer(token))
            return [e for e in audit.json()["audit"] if e["action"] == "delivery:copy"]

        [receipt] = a.eventually(copy_receipt)
        assert receipt["status"] == "sent"
        missing = review.post(
            f"/v1/review/declarations/{declaration_id}/reject", json={}, headers=bearer(token)
        )
        assert missing.status_code == 422


def read_events(
    url: str,
    token: str,
    last_id: str | None,
    want: int,
    sink: list[dict[str, str]] | None = None,
    stop: threading.Event | None = None,
) -> list[dict[str, str]]:
    """Reads SSE events into `sink` as they come, until `want` arrived or `stop` is set."""
    headers = bearer(token) | ({"Last-Event-ID": last_id} if last_id else {})
    events: list[dict[str, str]] = [] if sink is None else sink
    current: dict[str, str] = {}
    with httpx.stream("GET", url, headers=headers, timeout=30) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if not line:
                if "data" in current:
                    events.append(current)
                current = {}
                if len(events) >= want or (stop is not None and stop.is_set()):
                    return events
                continue
            field, _, value = line.partition(": ")
            current[field] = value
    return events


def test_event_stream_resumes_after_last_event_id(system: System, case: tuple[str, str]) -> None:
    token = operator(system, "4802")
    url = f"{system.review_url}/v1/review/events"
    first = read_events(url, token, None, 2)
    assert all(json.loads(e["data"])["agency"] == "4802" for e in first)
    assert all("sealed" not in json.loads(e["data"])["data"] for e in first)
    resumed = read_events(url, token, first[0]["id"], 1)
    assert resumed[0]["id"] == first[1]["id"]


def test_a_live_event_arrives_on_the_stream(system: System) -> None:
    token = operator(system, "4802")
    url = f"{system.review_url}/v1/review/events"
    received: list[dict[str, str]] = []
    done = threading.Event()
    # From the start of history, then whatever happens next.
    thread = threading.Thread(
        target=read_events,
        args=(url, token, None, 10**6, received, done),
        daemon=True,
    )
    thread.start()
    # A poison message on the agency's subjects must not break the stream for staff.
    publish(system.ops, "declarations.4802.submitted", [(b"{oops", "sse-1")])
    with httpx.Client(base_url=system.intake_url, timeout=30) as intake:
        declaration_id, draft_token = a.create_draft(intake, a.unique_bao())
        a.upload_images(intake, declaration_id, draft_token, a.BAO_QR)
        a.submit(intake, declaration_id, draft_token)

    def arrived() -> bool:
        return any(json.loads(e["data"]).get("subject") == declaration_id for e in received)

    a.eventually(arrived, 60)
    done.set()  # the next heartbeat or event ends the reader: a client-side clean disconnect
    thread.join(30)


def test_open_streams_end_cleanly_when_review_stops(system: System) -> None:
    """SIGTERM ends the event stream as a normal end of response (the client then reconnects
    with Last-Event-ID), not as a connection cut mid-chunk after uvicorn's grace period."""
    token = operator(system, "4802")
    url = f"{system.review_url}/v1/review/events"
    opened, outcome = threading.Event(), {}

    def reader() -> None:
        try:
            with httpx.stream("GET", url, headers=bearer(token), timeout=30) as response:
                for line in response.iter_lines():
                    if line.startswith("retry: "):
                        outcome["retry"] = line
                        opened.set()
            outcome["end"] = "clean"
        except httpx.HTTPError as error:
            outcome["end"] = repr(error)

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    try:
        assert opened.wait(30)
        # uvicorn re-raises the stop signal after its graceful shutdown: -SIGTERM is a clean exit.
        assert system.processes["review"].stop(15.0) == -signal.SIGTERM
        thread.join(15)
        assert outcome == {"retry": "retry: 1000", "end": "clean"}
    finally:
        system.start("review")  # later tests in this module need it
