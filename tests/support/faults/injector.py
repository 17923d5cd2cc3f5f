"""Faults against a running `vssid dev`: SIGKILL one child (service or server) or freeze one
(SIGSTOP, then SIGCONT), and how long the stack took to come back."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# What each child's command line contains (services behind setpriv exec keep their pid).
MARKERS = {
    "intake": "vssid_intake",
    "review": "vssid_review",
    "ocr_qr": "vssid_ocr_qr",
    "notifier": "vssid_notifier",
    "nats": "nats-server",
    "mongo": "secantusd",
    "mail": "vssid.catcher",
}


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a live process, None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # the name in parentheses may hold spaces
    return fields[0], int(fields[1])


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except (FileNotFoundError, ProcessLookupError):
        return ""


def child_pid(parent: int, name: str) -> int | None:
    """The live child of `parent` that runs `name`, if there is one."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            state, ppid = stat
            if ppid == parent and state != "Z" and MARKERS[name] in _cmdline(int(entry.name)):
                return int(entry.name)
    return None


@dataclass
class Fault:
    """One fault and what it cost: seconds from the fault to the part ready again, and to the
    pipeline moving again (a client saw a step done)."""

    action: str  # "kill" or "freeze"
    target: str
    at: float = 0.0  # monotonic time of the kill (of the SIGCONT, for a freeze)
    ready_s: float | None = None
    moving_s: float | None = None

    @property
    def label(self) -> str:
        return f"{self.action} {self.target}"


class DevLog:
    """`vssid dev`'s output file: counts the supervisor's "<name> is ready again" lines."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def ready_again(self, name: str) -> int:
        text = self.path.read_text(encoding="utf-8", errors="replace")
        return text.count(f"vssid dev: {name} is ready again")


class Injector:
    """Injects faults into the children of one `vssid dev` process."""

    def __init__(self, dev_pid: int, log: DevLog, freeze_seconds: float) -> None:
        self.dev_pid = dev_pid
        self.log = log
        self.freeze_seconds = freeze_seconds

    def pid(self, name: str, timeout: float = 120.0) -> int:
        deadline = time.monotonic() + timeout
        while (pid := child_pid(self.dev_pid, name)) is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"vssid dev has no running {name}")
            time.sleep(0.2)
        return pid

    def inject(self, fault: Fault, ready: Callable[[], bool], timeout: float = 180.0) -> None:
        """Do `fault`; return once the part is ready again (fault.ready_s set) or at timeout."""
        pid = self.pid(fault.target)
        if fault.action == "freeze":
            os.kill(pid, signal.SIGSTOP)
            try:
                time.sleep(self.freeze_seconds)  # the outage itself: nothing to wait on
            finally:
                os.kill(pid, signal.SIGCONT)
            fault.at = time.monotonic()
            done: Callable[[], bool] = ready
        else:
            before = self.log.ready_again(fault.target)
            os.kill(pid, signal.SIGKILL)
            fault.at = time.monotonic()

            def done() -> bool:
                return self.log.ready_again(fault.target) > before and ready()

        deadline = fault.at + timeout
        while time.monotonic() < deadline:
            if done():
                fault.ready_s = time.monotonic() - fault.at
                return
            time.sleep(0.1)

    def thaw(self) -> None:
        """A failed campaign must not leave the catcher frozen."""
        pid = child_pid(self.dev_pid, "mail")
        if pid is not None:
            os.kill(pid, signal.SIGCONT)
