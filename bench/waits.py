"""Bench: where one declaration's submit → awaiting_verification time goes, hop by hop.

Starts the embedded stack as `bench/pipeline.py` does, with every service exporting its spans
(OTLP/HTTP) to a receiver in this process, and sends N declarations one after another at
`--rate` per second, each submit under a trace of its own (`traceparent`). From the spans'
start and end times it prints, per hop, the median and p95 of: intake's relay (submit answered
→ `submitted` published), the wait for ocr_qr's pull and its scan, ocr_qr's relay, review's
pull and case opening, review's relay, intake's two pulls (`scanned`, `awaiting_verification`)
and when the status became visible (the later of the two), and how many `awaiting_verification`
were handled more than once (a retry) or before intake had recorded the scan.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.support is not installed

from bench.pipeline import SERVICES, Applicant, applicants
from bench.scans import start_services
from tests.support import applicant as a
from tests.support.otlp import ReceivedSpan, Receiver, otlp_receiver
from vssid.devstack.servers import config_on_free_ports, start_servers, stop_servers

POLL = 0.05  # seconds between the applicant's status polls


def declare(intake: httpx.Client, person: Applicant, copy: bool) -> tuple[str, int, int]:
    """One declaration; its trace id, when the submit was answered and when the applicant's
    poll first saw `awaiting_verification` (Unix ns)."""
    declaration_id, token = a.create_draft(intake, {**person.fields, "send_email_copy": copy})
    for kind, data in person.photos.items():
        response = intake.put(
            f"/v1/declarations/{declaration_id}/images/{kind}",
            files={"file": (f"{kind}.jpg", data, "image/jpeg")},
            headers=a.auth(token),
        )
        assert response.status_code == 201, response.text
    trace_id = secrets.token_hex(16)
    traceparent = f"00-{trace_id}-{secrets.token_hex(8)}-01"
    response = intake.post(
        f"/v1/declarations/{declaration_id}/submit",
        headers={**a.auth(token), "traceparent": traceparent},
    )
    assert response.status_code == 202, response.text
    answered = time.time_ns()
    while a.status_of(intake, declaration_id, token)["status"] != "awaiting_verification":
        time.sleep(POLL)
    return trace_id, answered, time.time_ns()


def hops(spans: list[ReceivedSpan], answered: int, seen: int) -> dict[str, float] | None:
    """Seconds per hop of one trace, None while a span is missing."""

    def one(suffix: str) -> list[ReceivedSpan]:
        return sorted((s for s in spans if s.name.endswith(suffix)), key=lambda s: s.start_ns)

    found = {
        name: one(suffix)
        for name, suffix in {
            "pub_submitted": ".submitted publish",
            "ocr": "ocr_qr-submitted process",
            "pub_scanned": ".scanned publish",
            "review": "review-scanned process",
            "intake_scan": "intake-scanned process",
            "pub_awaiting": ".awaiting_verification publish",
            "intake_status": "intake-awaiting_verification process",
        }.items()
    }
    if not all(found.values()):
        return None
    first = {name: found[name][0] for name in found}
    visible = max(found["intake_scan"][-1].end_ns, found["intake_status"][-1].end_ns)
    gaps = {
        "intake relay": first["pub_submitted"].start_ns - answered,
        "ocr_qr pull": first["ocr"].start_ns - first["pub_submitted"].end_ns,
        "ocr_qr scan": first["ocr"].end_ns - first["ocr"].start_ns,
        "ocr_qr relay": first["pub_scanned"].start_ns - first["ocr"].end_ns,
        "review pull": first["review"].start_ns - first["pub_scanned"].end_ns,
        "review open": first["review"].end_ns - first["review"].start_ns,
        "review relay": first["pub_awaiting"].start_ns - first["review"].end_ns,
        "intake pull (scanned)": first["intake_scan"].start_ns - first["pub_scanned"].end_ns,
        "intake pull (status)": first["intake_status"].start_ns - first["pub_awaiting"].end_ns,
        "status visible after its publish": visible - first["pub_awaiting"].end_ns,
        "applicant's poll sees it": seen - visible,
        "submit answered -> seen": seen - answered,
    }
    out = {name: ns / 1e9 for name, ns in gaps.items()}
    out["retried"] = float(len(found["intake_status"]) > 1)
    out["status first"] = float(first["intake_status"].start_ns < found["intake_scan"][0].end_ns)
    return out


def run(people: list[Applicant], rate: float, receiver: Receiver, intake_url: str) -> None:
    results: list[tuple[str, int, int]] = []
    lock = threading.Lock()

    def one(i: int, intake: httpx.Client) -> None:
        result = declare(intake, people[i], i % 2 == 0)
        with lock:
            results.append(result)

    with httpx.Client(base_url=intake_url, timeout=120) as intake, ThreadPoolExecutor(32) as pool:
        start = time.perf_counter()
        jobs = []
        for i in range(len(people)):
            time.sleep(max(0.0, start + i / rate - time.perf_counter()))
            jobs.append(pool.submit(one, i, intake))
        for job in jobs:
            job.result()
    rows: list[dict[str, float]] = []
    deadline = time.monotonic() + 30
    pending = list(results)
    while pending and time.monotonic() < deadline:
        time.sleep(1)  # spans leave each process within about half a second
        still = []
        for trace_id, answered, seen in pending:
            row = hops(receiver.of_trace(trace_id), answered, seen)
            if row is None:
                still.append((trace_id, answered, seen))
            else:
                rows.append(row)
        pending = still
    print(f"{len(rows)} traces ({len(pending)} incomplete), {rate:.2f} arriving per second")
    print(f"  {'hop':<36} {'p50 s':>7} {'p95 s':>7} {'max s':>7}")
    for name in rows[0]:
        if name in ("retried", "status first"):
            continue
        values = sorted(row[name] for row in rows)
        p95 = statistics.quantiles(values, n=100, method="inclusive")[94]
        print(f"  {name:<36} {statistics.median(values):7.3f} {p95:7.3f} {values[-1]:7.3f}")
    retried = sum(row["retried"] for row in rows)
    first = sum(row["status first"] for row in rows)
    print(f"  awaiting_verification handled before intake recorded the scan: {first:.0f}")
    print(f"  awaiting_verification handled more than once (a retry): {retried:.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=20, help="declarations")
    parser.add_argument("--rate", type=float, default=0.5, help="arriving per second")
    args = parser.parse_args()
    people = applicants(2 + args.n, first=secrets.randbelow(10**6))
    with tempfile.TemporaryDirectory() as tmp, otlp_receiver() as receiver:
        config = config_on_free_ports(Path(tmp))
        env = {
            **os.environ,
            **config.service_env(),
            "VSSID_ENV": "test",
            "VSSID_OTEL_ENDPOINT": receiver.url,
        }
        servers = start_servers(config, echo=False)
        services = []
        try:
            services = start_services(config, env, SERVICES)
            run(people[:2], 1.0, receiver, config.intake_url)  # warm-up
            run(people[2:], args.rate, receiver, config.intake_url)
        finally:
            for process in services:
                process.stop(10)
            stop_servers(servers)


if __name__ == "__main__":
    main()
