"""The fault campaign: declarations through the HTTP contract of a real `vssid dev` while every
part of it is killed or frozen in turn, then every effect counted (tests/e2e/test_faults.py runs
a short one, bench/faults.py the long one).

Declarations start in batches spread over the faults (batch k once fault k-1 was recovered
from) and fault k waits for k/F of them to be submitted, so every fault meets work in flight:
some applicants mid-upload, some declarations mid-scan, some verifications mid-send. Each
fault waits for the part to be ready again and the pipeline to move (a client saw a step
done) before the next one.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support import applicant as a
from tests.support.cards import render_card_photo
from tests.support.devrun import DevRun
from tests.support.faults.client import Applicant, Client, Declaration, Operator, Tally
from tests.support.faults.effects import Effects, busy_consumers, count_effects
from tests.support.faults.injector import DevLog, Fault, Injector
from vssid.devstack.config import StackConfig
from vssid.devstack.probes import http_ok

SERVICES = "ocr_qr,notifier,intake,review"
# Every service at least once, ocr_qr and the notifier twice, both servers, the catcher frozen.
FAULTS: tuple[tuple[str, str], ...] = (
    ("kill", "ocr_qr"),
    ("kill", "notifier"),
    ("kill", "intake"),
    ("freeze", "mail"),
    ("kill", "nats"),
    ("kill", "review"),
    ("kill", "mongo"),
    ("kill", "ocr_qr"),
    ("kill", "notifier"),
)
# Short periods so redeliveries and reconciles happen within the campaign, not in 15 minutes;
# sends time out while the catcher is frozen (outcome unknown: retried with the same key).
CAMPAIGN_ENV = {
    "VSSID_ACK_WAIT_SECONDS": "10",
    "VSSID_RECONCILE_AFTER_SECONDS": "30",
    "VSSID_RECONCILE_INTERVAL_SECONDS": "2",
    "VSSID_SWEEP_INTERVAL_SECONDS": "2",
    "VSSID_SMTP_TIMEOUT_SECONDS": "5",
    "VSSID_SMS_TIMEOUT_SECONDS": "5",
    "VSSID_QR_DECODE_TIMEOUT_SECONDS": "60",
}
STEP_TIMEOUT = 300.0  # one declaration step (scan, verify) under faults
MOVING_TIMEOUT = 60.0


@dataclass
class Outcome:
    """What the campaign saw."""

    declarations: list[Declaration]
    faults: list[Fault]
    tally: Tally
    effects: Effects
    stuck: list[str] = field(default_factory=list)  # declarations not verified, busy consumers
    errors: list[str] = field(default_factory=list)  # client flows that raised
    # Resends the receiver dropped, events the reconcilers re-emitted.
    absorbed: dict[str, int] = field(default_factory=dict)
    wall_s: float = 0.0

    def counts(self) -> dict[str, int]:
        submitted = sum(1 for d in self.declarations if d.reference)
        return {
            "declarations": len(self.declarations),
            "submitted": submitted,
            "lost": self.effects.lost + (len(self.declarations) - submitted),
            "doubled": self.effects.doubled,
            "unexpected": self.effects.unexpected,
            "stuck": len(self.stuck),
            "client_errors": len(self.errors),
            "http_5xx_not_503": self.tally.server_errors,
            "http_503": self.tally.statuses.get(503, 0),
            "503_without_retry_after": self.tally.unavailable_without_retry_after,
            "refused_connections": self.tally.transport_errors,
        }


def photos() -> dict[str, bytes]:
    """One set of photos for everyone (rendering is CPU the stack needs more)."""
    return {
        "portrait": a.portrait_jpeg(),
        "id_front": render_card_photo(a.BAO_QR, "clean", 1),
        "id_back": render_card_photo(a.BAO_QR, "phone", 2),
    }


@contextmanager
def dev_system(data_dir: Path, env: dict[str, str]) -> Iterator[DevRun]:
    """`vssid dev` with the four services, its output in data_dir/dev.log."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with (data_dir / "dev.log").open("a", encoding="utf-8") as log:
        run = DevRun(data_dir / "data", services=SERVICES, extra_env=env, echo=log)
        try:
            run.start_until_ready()
            yield run
        finally:
            if run.process.running:
                run.stop_with(signal.SIGTERM)


class Campaign:
    def __init__(
        self,
        run: DevRun,
        log: Path,
        count: int,
        concurrency: int,
        freeze: float,
        say: Callable[[str], None] = lambda line: None,
    ):
        self.run = run
        self.config = StackConfig.from_env(run.env)
        assert run.process.pid is not None
        self.injector = Injector(run.process.pid, DevLog(log), freeze)
        self.log = log
        self.count = count
        self.concurrency = concurrency
        self.tally = Tally()
        self.faults = [Fault(action, target) for action, target in FAULTS]
        self.released = 0  # batches of declarations allowed to start
        self.gate = threading.Condition()
        self.errors: list[str] = []
        self.say = say

    def cli(self, *args: str) -> str:
        env = {**self.run.env, **self.config.service_env(), **self.run.nats_login("ops").env()}
        done = subprocess.run(
            [sys.executable, "-m", "vssid.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return done.stdout

    def run_campaign(self) -> Outcome:
        began = time.monotonic()
        token = self.cli("operators", "add", "--agency", "4802", "--name", "Đỗ Thị Hạnh")
        operator_token = token.splitlines()[-1]
        images = photos()
        declarations = [
            Declaration({**a.unique_bao(), "send_email_copy": i % 2 == 0})
            for i in range(self.count)
        ]
        try:
            with ThreadPoolExecutor(self.concurrency) as pool, self._release_all():
                flows = [
                    pool.submit(self._flow, i, d, images, operator_token)
                    for i, d in enumerate(declarations)
                ]
                self._inject_all()
                for flow in flows:
                    flow.result()
        finally:
            self.injector.thaw()
        effects, stuck = self._settle(declarations)
        return Outcome(
            declarations,
            self.faults,
            self.tally,
            effects,
            stuck,
            self.errors,
            self._absorbed(),
            time.monotonic() - began,
        )

    def _flow(
        self, index: int, declaration: Declaration, images: dict[str, bytes], token: str
    ) -> None:
        with self.gate:  # spread over the faults: batch index*F/N
            self.gate.wait_for(lambda: self.released >= index * len(FAULTS) // self.count)
        intake = Client(self.config.intake_url, self.tally)
        review = Client(self.config.review_url, self.tally)
        try:
            applicant = Applicant(intake, images)
            applicant.submit(declaration)
            if not applicant.wait_for(declaration, "awaiting_verification", STEP_TIMEOUT):
                return  # stuck: the settle step names it
            Operator(review, token).verify(declaration)
            applicant.wait_for(declaration, "verified", STEP_TIMEOUT)
        except Exception as error:  # the campaign reports it; the other flows go on
            self.errors.append(f"declaration {index}: {type(error).__name__}: {error}")
        finally:
            intake.close()
            review.close()

    def _inject_all(self) -> None:
        self._wait_moving(0.0)  # work in flight before the first fault
        mail_health = f"{self.config.mail_api_url}/health"
        for number, fault in enumerate(self.faults):
            # Spread over the run: fault k once k/F of the declarations are in.
            self._wait_submitted(number * self.count // len(self.faults))
            self.injector.inject(fault, lambda: http_ok(mail_health))
            with self.gate:  # the next batch meets the next fault in flight
                self.released += 1
                self.gate.notify_all()
            if fault.ready_s is not None:
                moving = self._wait_moving(fault.at + fault.ready_s)
                fault.moving_s = None if moving is None else moving - fault.at
            self.say(fault_line(fault))

    @contextmanager
    def _release_all(self) -> Iterator[None]:
        """Whatever happens to the faults, every declaration gets to start (and be counted)."""
        try:
            yield
        finally:
            with self.gate:
                self.released = len(FAULTS)
                self.gate.notify_all()

    def _wait_submitted(self, target: int) -> None:
        deadline = time.monotonic() + STEP_TIMEOUT
        while self.tally.submitted < target and time.monotonic() < deadline:
            time.sleep(0.2)

    def _wait_moving(self, since: float) -> float | None:
        deadline = time.monotonic() + MOVING_TIMEOUT
        while time.monotonic() < deadline:
            if (moved := self.tally.moved_since(since)) is not None:
                return moved
            time.sleep(0.1)
        return None

    def _settle(self, declarations: Sequence[Declaration]) -> tuple[Effects, list[str]]:
        """Waits until every effect arrived and every consumer is quiet (or the deadline)."""
        admin = self.run.nats_login("bootstrap")
        deadline = time.monotonic() + STEP_TIMEOUT
        while True:
            effects = count_effects(self.config.mail_api_url, declarations)
            busy = busy_consumers(admin)
            if (effects.complete and not busy) or time.monotonic() > deadline:
                break
            time.sleep(1.0)
        stuck = [
            f"{d.id or '(no id)'}: {d.status or 'not submitted'}"
            for d in declarations
            if d.status != "verified"
        ]
        return effects, stuck + busy

    def _absorbed(self) -> dict[str, int]:
        """Resends the receiver recognised (same Message-ID, same Idempotency-Key) and the
        reconcilers' re-emits, from the log."""
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return {
            "mail_resends_dropped": text.count("dropped a second copy of mail"),
            "sms_resends_kept_once": text.count("requested again with the same Idempotency-Key"),
            # What the reconcilers re-emitted (one line per declaration and event).
            "reconciled_submitted": text.count("stuck in submitted; sending submitted again"),
            "reconciled_by_review": text.count("case stuck; sending its event again"),
            "reconciled_account_activated": text.count("sending account_activated again"),
        }


def run(
    data_dir: Path,
    count: int,
    concurrency: int,
    freeze: float,
    say: Callable[[str], None] = lambda line: None,
    reconcile_after: float = 30.0,
) -> Outcome:
    """The whole campaign on a fresh `vssid dev`; `say` hears each fault as it is recovered.

    `reconcile_after`: a verified case waiting longer for its SMS receipt is re-emitted (the
    default 15 minutes would never fire here); a backlog slower than it gets re-emits too,
    harmless (every consumer is idempotent) but extra work."""
    env = {**CAMPAIGN_ENV, "VSSID_RECONCILE_AFTER_SECONDS": f"{reconcile_after:g}"}
    with dev_system(data_dir, env) as dev:
        log = data_dir / "dev.log"
        return Campaign(dev, log, count, concurrency, freeze, say).run_campaign()


def fault_line(fault: Fault) -> str:
    ready = "never" if fault.ready_s is None else f"{fault.ready_s:.1f} s"
    moving = "never" if fault.moving_s is None else f"{fault.moving_s:.1f} s"
    return f"{fault.label:<16} ready again {ready:>8}, pipeline moving {moving:>8}"


def report(outcome: Outcome) -> list[str]:
    lines = [f"{name}: {value}" for name, value in outcome.counts().items()]
    lines += [f"{name}: {n}" for name, n in outcome.absorbed.items()]
    lines += [fault_line(fault) for fault in outcome.faults]
    lines.append(f"wall time: {outcome.wall_s:.0f} s")
    return lines


def details(outcome: Outcome) -> dict[str, Any]:
    """What a failing assertion should show."""
    return {"counts": outcome.counts(), "stuck": outcome.stuck[:20], "errors": outcome.errors[:20]}
