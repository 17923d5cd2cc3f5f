"""`vssid dev`: run servers, bootstrap, services and first-start seed in the foreground."""

from __future__ import annotations

import importlib.resources
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from types import FrameType

from vssid.devstack.catalog import ServiceSpec, is_ready_event, ready_table, resolve_services
from vssid.devstack.config import StackConfig
from vssid.devstack.probes import http_ok, mongo_answers
from vssid.devstack.servers import Stack, busy_port_problem, start_servers
from vssid.devstack.supervisor import (
    CrashHistory,
    ManagedProcess,
    ProcessFailedError,
    RestartPolicy,
    WaitAbortedError,
    emit,
    stop_together,
)

READY_TIMEOUT = 90.0
STEP_TIMEOUT = 120.0
# Stop budgets per tier (services, catcher, MongoDB, NATS): 26 s at worst, inside the 30 s promise.
STOP_GRACE = (10.0, 4.0, 8.0, 4.0)


# A login in the caller's shell must not reach every child: each gets only its own.
NATS_LOGIN_VARIABLES = ("VSSID_NATS_USER", "VSSID_NATS_PASSWORD", "VSSID_NATS_PASSWORD_FILE")


class StepFailedError(RuntimeError):
    """A one-shot step (bootstrap, seed) exited non-zero or timed out."""


class DevRunner:
    """Owns every child of one `vssid dev` run and stops them in dependency order."""

    def __init__(
        self,
        config: StackConfig,
        services: Sequence[ServiceSpec],
        policy: RestartPolicy | None = None,
    ) -> None:
        self.config = config
        self.services = list(services)
        self.policy = policy or RestartPolicy()
        self.stop_requested = False
        self.servers: list[ManagedProcess] = []
        self.children: list[ManagedProcess] = []  # services and the current one-shot step
        inherited = {k: v for k, v in os.environ.items() if k not in NATS_LOGIN_VARIABLES}
        self.env = {**inherited, **config.service_env()}
        self.ready_checks: dict[str, Callable[[], bool]] = self._server_checks()

    def run(self) -> int:
        problem = busy_port_problem(self.config)
        if problem is not None:
            emit(f"vssid dev: {problem}")
            return 2
        restore = self._install_signal_handlers()
        try:
            return self._run_until_stopped()
        finally:
            self.stop_everything()
            restore()

    def _run_until_stopped(self) -> int:
        try:
            self._start_everything()
        except WaitAbortedError:
            return 0
        except (ProcessFailedError, StepFailedError, OSError) as error:
            emit(f"vssid dev: start-up failed: {error}")
            return 1
        if self.stop_requested:
            return 0
        emit(ready_table(self.config, self.services))
        return self._watch()

    def _install_signal_handlers(self) -> Callable[[], None]:
        def on_signal(signum: int, frame: FrameType | None) -> None:
            # Only a flag: the main loop polls it, so no lock is ever taken in a handler.
            self.stop_requested = True

        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}

        def restore() -> None:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

        return restore

    def _start_everything(self) -> None:
        data = self.config.data_dir
        emit(f"vssid dev: starting the stack, data in {data}")
        abort = self._aborted
        self.servers = start_servers(self.config, timeout=READY_TIMEOUT, abort=abort)
        if self.config.bootstrap:
            self._run_step(
                "bootstrap",
                (sys.executable, "-m", "vssid_shared.bootstrap"),
                self._nats_env("bootstrap"),
            )
        for spec in self.services:
            self._start_service(spec)
        self._seed_once()

    def _aborted(self) -> bool:
        return self.stop_requested

    def _nats_env(self, user: str) -> dict[str, str]:
        """The common env plus `user`'s own NATS login: no child sees another's password."""
        return {**self.env, **Stack.from_config(self.config).nats_login(user).env()}

    def _start_service(self, spec: ServiceSpec) -> None:
        env = {**self._nats_env(spec.user), **self.config.service_env_for(spec.name)}
        process = ManagedProcess(spec.name, spec.argv, env=env, abort=self._aborted)
        self.children.append(process.start())
        if spec.ready_url is not None:
            url = spec.ready_url
            self.ready_checks[spec.name] = lambda: http_ok(url)
            process.wait_http(url, READY_TIMEOUT)
        else:
            self.ready_checks[spec.name] = lambda: _logged_ready(process)
            process.wait_log(is_ready_event, READY_TIMEOUT)

    def _server_checks(self) -> dict[str, Callable[[], bool]]:
        config = self.config
        return {
            "nats": lambda: http_ok(f"{config.nats_monitor_url}/healthz?js-enabled-only=true"),
            "mongo": lambda: mongo_answers(config.mongo_url),
            "mail": lambda: http_ok(f"{config.mail_api_url}/health"),
        }

    def _run_step(self, name: str, argv: Sequence[str], env: dict[str, str] | None = None) -> None:
        step = ManagedProcess(name, argv, env=env or self.env, abort=self._aborted)
        self.children.append(step.start())
        deadline = time.monotonic() + STEP_TIMEOUT
        while step.wait(0.2) is None:
            if self.stop_requested:
                raise WaitAbortedError(f"stopped during {name}")
            if time.monotonic() > deadline:
                raise StepFailedError(step.describe_failure(f"timed out after {STEP_TIMEOUT:g} s"))
        step.finish()
        self.children.remove(step)
        if step.returncode != 0:
            raise StepFailedError(step.describe_failure("failed"))

    def _seed_once(self) -> None:
        marker = self.config.data_dir / ".seeded"
        if not self.config.seed or marker.exists():
            return
        sample = importlib.resources.files("vssid") / "data" / "registry_sample.csv"
        if not sample.is_file():
            emit("vssid dev: no registry sample shipped yet; skipping the first-start import")
            return
        with importlib.resources.as_file(sample) as path:
            self._run_step(
                "seed", (sys.executable, "-m", "vssid.cli", "registry", "import", str(path))
            )
        marker.touch()

    def _watch(self) -> int:
        """Restart whatever crashed, after a growing delay; stop all on a crash loop."""
        crashes: dict[str, CrashHistory] = {}
        due: dict[ManagedProcess, float] = {}  # crashed, to start again at this monotonic time
        coming_up: set[ManagedProcess] = set()  # restarted, not yet announced ready
        while not self.stop_requested:
            now = time.monotonic()
            for process in self.servers + self.children:
                if process in due:
                    if now >= due[process]:
                        del due[process]
                        process.start()
                        coming_up.add(process)
                        emit(f"vssid dev: restarted {process.name} (pid {process.pid})")
                    continue
                if process.returncode is None or process.expected_exit:
                    continue
                process.finish()  # drain its last lines before reporting them
                coming_up.discard(process)
                history = crashes.setdefault(process.name, CrashHistory(self.policy))
                delay = history.crashed(now)
                emit(f"vssid dev: {process.describe_failure('exited unexpectedly', 10)}")
                if delay is None:
                    emit(
                        f"vssid dev: {process.name} crashed {history.recent} times within "
                        f"{self.policy.window:g} s, a crash loop: stopping everything"
                    )
                    return 1
                emit(
                    f"vssid dev: restarting {process.name} in {delay:g} s "
                    f"(crash {history.recent} of {self.policy.max_crashes} allowed "
                    f"within {self.policy.window:g} s)"
                )
                due[process] = now + delay
            for process in list(coming_up):
                if process.running and self.ready_checks.get(process.name, _always)():
                    coming_up.discard(process)
                    emit(f"vssid dev: {process.name} is ready again")
            time.sleep(0.2)
        return 0

    def stop_everything(self) -> None:
        """Services first, then the catcher, MongoDB and NATS; SIGKILL after each grace."""
        emit("vssid dev: stopping")
        # servers is [nats, mongo, mail] (or empty when they never all started).
        tiers = [self.children, *([server] for server in reversed(self.servers))]
        for tier, grace in zip(tiers, STOP_GRACE, strict=False):
            stop_together(tier, grace)
        emit("vssid dev: stopped")


def _logged_ready(process: ManagedProcess) -> bool:
    """Whether the process's current life has logged its ready event yet."""
    return process.output.wait_for(is_ready_event, 0.0, lambda: None) is not None


def _always() -> bool:
    return True


def run_dev(config: StackConfig, services: Sequence[ServiceSpec] | None = None) -> int:
    """Run the whole dev stack in the foreground; the process exit code."""
    config = replace(config, data_dir=config.data_dir.resolve())
    try:
        chosen = resolve_services(config) if services is None else list(services)
    except ValueError as error:
        emit(f"vssid dev: {error}")
        return 2
    return DevRunner(config, chosen).run()
