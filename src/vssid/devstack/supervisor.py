"""A child process in its own process group, with relayed output and readiness probes."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from vssid.devstack.output import LineLog, emit
from vssid.devstack.probes import http_ok, port_open

_POLL_SECONDS = 0.1

__all__ = [
    "CrashHistory",
    "ManagedProcess",
    "ProcessFailedError",
    "RestartPolicy",
    "WaitAbortedError",
    "emit",
    "stop_together",
]


class ProcessFailedError(RuntimeError):
    """A child exited or did not become ready in time; the message carries its last output."""


class WaitAbortedError(RuntimeError):
    """A readiness wait gave up because the caller asked to stop (e.g. Ctrl-C)."""


class ManagedProcess:
    """One child process: start, probe readiness, signal, stop (whole group), restart."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: str | Path | None = None,
        name_width: int = 9,
        keep_lines: int = 200,
        echo: TextIO | bool = True,
        abort: Callable[[], bool] | None = None,
    ) -> None:
        """`echo`: True relays to stdout, a stream relays there, False only keeps the tail.

        `abort`: polled during readiness waits; when it returns True they raise WaitAbortedError.
        """
        self.name = name
        self.argv = list(argv)
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self.abort = abort
        self.expected_exit = False
        self.output = LineLog(f"{name:<{name_width}} | ", echo, keep_lines)
        self._proc: subprocess.Popen[bytes] | None = None
        self._reader: threading.Thread | None = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def returncode(self) -> int | None:
        return self._proc.poll() if self._proc else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> ManagedProcess:
        """Start the child in a new session (its own process group) and relay its output."""
        if self.running:
            raise RuntimeError(f"{self.name} is already running")
        if self._reader is not None:
            self._reader.join(5.0)  # the previous life's relay must not close the new log
        self.expected_exit = False
        self.output.reset()
        self._proc = subprocess.Popen(
            _dying_with_parent(self.argv),
            env=self.env,
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._reader = threading.Thread(
            target=self._relay, args=(self._proc,), name=f"relay-{self.name}", daemon=True
        )
        self._reader.start()
        return self

    def _relay(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None
        for raw in proc.stdout:
            self.output.feed(raw.decode("utf-8", errors="replace").rstrip("\r\n"))
        proc.wait()
        self.output.close()

    def tail(self, n: int | None = None) -> list[str]:
        """The last `n` output lines (all kept lines when `n` is None)."""
        return self.output.tail(n)

    def describe_failure(self, what: str, n: int = 30) -> str:
        lines = "\n".join(f"  {line}" for line in self.tail(n)) or "  (no output)"
        return f"{self.name} {what} (exit code {self.returncode}); last output:\n{lines}"

    def wait_log(self, predicate: Callable[[str], bool], timeout: float) -> str:
        """Wait for an output line (already seen or future) for which `predicate` is true."""
        line = self.output.wait_for(predicate, timeout, self._check_abort)
        if line is not None:
            return line
        if not self.running:
            raise ProcessFailedError(self.describe_failure("exited before it was ready"))
        raise ProcessFailedError(self.describe_failure(f"was not ready after {timeout:g} s"))

    def wait_http(self, url: str, timeout: float) -> None:
        """Wait until GET `url` answers 200."""
        self.wait_until(lambda: http_ok(url), timeout, f"did not answer 200 on {url}")

    def wait_tcp(self, host: str, port: int, timeout: float) -> None:
        """Wait until a TCP connection to host:port is accepted."""
        self.wait_until(lambda: port_open(host, port), timeout, f"did not listen on {port}")

    def wait_until(self, check: Callable[[], bool], timeout: float, what: str) -> None:
        """Wait until `check()` is true, failing at once if the child exits."""
        deadline = time.monotonic() + timeout
        while True:
            self._check_abort()
            if not self.running:
                raise ProcessFailedError(self.describe_failure("exited before it was ready"))
            if check():
                return
            if time.monotonic() >= deadline:
                raise ProcessFailedError(self.describe_failure(f"{what} within {timeout:g} s"))
            # Waiting on the child rather than sleeping notices a crash at once.
            self.wait(_POLL_SECONDS)

    def _check_abort(self) -> None:
        if self.abort is not None and self.abort():
            raise WaitAbortedError(f"stopped waiting for {self.name}")

    def signal(self, sig: int) -> None:
        """Send `sig` to the child's whole process group."""
        if self._proc is None:
            return
        # The group may be gone already; that is the state we want anyway.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._proc.pid, sig)

    def terminate(self) -> None:
        """Ask the group to stop (SIGTERM); the exit that follows is expected."""
        self.expected_exit = True
        self.signal(signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL the whole group, e.g. to simulate a crash in fault tests."""
        self.signal(signal.SIGKILL)

    def wait(self, timeout: float | None = None) -> int | None:
        """Wait for the child to exit; its return code, or None on timeout."""
        if self._proc is None:
            return None
        try:
            return self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM the group, SIGKILL it after `timeout` seconds; returns the exit code."""
        stop_together([self], timeout)
        return self.returncode

    def finish(self) -> None:
        """After the child exited: kill leftovers of its group and drain the relay thread."""
        # Grandchildren may outlive the leader; they share its group, so this reaps them too.
        self.signal(signal.SIGKILL)
        if self._reader is not None:
            self._reader.join(5.0)

    def restart(self, timeout: float = 10.0) -> ManagedProcess:
        """Stop (if running) and start again with the same argv and environment."""
        self.stop(timeout)
        return self.start()

    def __enter__(self) -> ManagedProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass(frozen=True)
class RestartPolicy:
    """How a crashed child comes back: after a delay doubling per recent crash, unless it
    crashed `max_crashes` times within `window` seconds, which is a loop, not bad luck."""

    max_crashes: int = 5
    window: float = 60.0
    first_delay: float = 0.5
    max_delay: float = 30.0


class CrashHistory:
    """The recent crashes of one child, to tell a restart's delay from a crash loop."""

    def __init__(self, policy: RestartPolicy) -> None:
        self.policy = policy
        self._times: deque[float] = deque()

    @property
    def recent(self) -> int:
        return len(self._times)

    def crashed(self, now: float) -> float | None:
        """Record a crash at `now` (monotonic seconds); the delay before the restart, or None
        when this crash makes a loop and the child should stay down."""
        self._times.append(now)
        while self._times and self._times[0] <= now - self.policy.window:
            self._times.popleft()
        if len(self._times) >= self.policy.max_crashes:
            return None
        return min(self.policy.max_delay, self.policy.first_delay * 2.0 ** (len(self._times) - 1))


def stop_together(processes: Sequence[ManagedProcess], grace: float) -> None:
    """SIGTERM all at once, SIGKILL whoever is still alive after `grace` seconds."""
    for process in processes:
        process.terminate()
    deadline = time.monotonic() + grace
    for process in processes:
        if process.wait(max(0.0, deadline - time.monotonic())) is None:
            process.kill()
            process.wait(5.0)
    for process in processes:
        process.finish()


def _dying_with_parent(argv: list[str]) -> list[str]:
    """Ask Linux to SIGTERM the child when its parent dies, even by SIGKILL, so a killed
    `vssid dev` leaves no server holding its ports.

    util-linux's setpriv sets the signal and execs the command (same pid); preexec_fn could do
    it too, but it is unsafe in a process running threads, as the output relays are. Linux
    sends the signal when the *thread* that started the child ends: start children from a
    thread that lives as long as they should (the main thread, here).
    """
    setpriv = shutil.which("setpriv") if sys.platform == "linux" else None
    return [setpriv, "--pdeathsig", "TERM", "--", *argv] if setpriv else argv
