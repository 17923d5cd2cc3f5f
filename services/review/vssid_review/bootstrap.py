"""review's composition root: `bootstrap(settings, **overrides)` → adapters → `App`.

Every part can be overridden by name (tests give fakes), nothing is connected here and
nothing is built at import; the API, the subscribers and the CLI get their adapters here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from vssid_review.adapters import cases
from vssid_review.adapters.cases import CaseStore
from vssid_review.adapters.event_feed import JetStreamFeed
from vssid_review.adapters.operators import OperatorStore
from vssid_review.adapters.staff_credentials import CredentialStore
from vssid_review.adapters.staff_sessions import SessionStore
from vssid_review.adapters.staff_signin_limits import SignInLimits
from vssid_review.domain.staff_credentials import SignInPolicy
from vssid_review.domain.staff_sessions import StaffSessionPolicy
from vssid_review.ports import Deps, EventFeed, Operators, StaffDeps, SweepPolicy
from vssid_review.settings import ReviewSettings
from vssid_shared.clock import Clock, utc_now
from vssid_shared.images import ImageVault
from vssid_shared.nats_login import NatsLogin
from vssid_shared.retention import Retention
from vssid_shared.runtime import Runtime

T = TypeVar("T")


@dataclass
class App:
    runtime: Runtime
    deps: Deps
    operators: Operators
    # Who is calling: bearer tokens, or a person's session cookie (password + TOTP sign-in).
    staff: StaffDeps
    staff_cookie_secure: bool
    # The agency's live events for the staff's event stream.
    events: EventFeed
    sweep: SweepPolicy
    # Run at start (real adapters only): index builders and the case migration.
    on_start: list[Callable[[], Any]]


def bootstrap(settings: ReviewSettings | None = None, **overrides: Any) -> App:
    """The whole service wired; any of `Deps`' fields, `runtime`, `operators`,
    `staff_credentials`, `staff_sessions`, `staff_attempts`, `events`, `retention` or `clock` may be
    given instead of built (the staff use cases get the same `operators` as the rest)."""
    settings = settings or ReviewSettings()
    runtime: Runtime = overrides.pop("runtime", None) or Runtime.create(settings)
    db = runtime.db
    clock: Clock = overrides.pop("clock", utc_now)
    on_start: list[Callable[[], Any]] = []

    def part(name: str, build: Callable[[], T]) -> T:
        if name in overrides:
            given: T = overrides.pop(name)
            return given
        built = build()
        if (ensure := getattr(built, "ensure_indexes", None)) is not None:
            on_start.append(ensure)
        for migration in ("migrate_history", "migrate_filter_keys"):  # in this order
            if (migrate := getattr(built, migration, None)) is not None:
                on_start.append(migrate)
        return built

    deps = Deps(
        cases=part("cases", lambda: CaseStore(db)),
        images=part("images", lambda: ImageVault(db, runtime.keys.images)),
        # The outbox relay drains the collection whose updates queue events.
        outbox=part("outbox", lambda: runtime.with_outbox([db[cases.COLLECTION]])),
        keys=runtime.keys,
        clock=clock,
        visit_window_days=settings.visit_window_days,
    )
    operators: Operators = part("operators", lambda: OperatorStore(db))
    sessions = StaffSessionPolicy(
        idle=timedelta(minutes=settings.staff_idle_minutes),
        lifetime=timedelta(hours=settings.staff_session_hours),
    )
    signins = SignInPolicy(
        max_failures=settings.staff_signin_max_failures,
        client_max_failures=settings.staff_signin_client_max_failures,
        window=timedelta(minutes=settings.staff_signin_window_minutes),
    )
    staff = StaffDeps(
        operators=operators,
        credentials=part("staff_credentials", lambda: CredentialStore(db, runtime.keys.records)),
        sessions=part("staff_sessions", lambda: SessionStore(db, sessions)),
        attempts=part("staff_attempts", lambda: SignInLimits(db, runtime.keys.lookup, signins)),
        clock=clock,
        policy=sessions,
    )
    app = App(
        runtime=runtime,
        deps=deps,
        operators=operators,
        staff=staff,
        staff_cookie_secure=settings.staff_cookie_secure,
        events=part("events", lambda: JetStreamFeed(NatsLogin.from_settings(settings))),
        sweep=SweepPolicy(
            reminder_days_before=settings.reminder_days_before,
            interval_seconds=settings.sweep_interval_seconds,
            image_retention_days=settings.image_retention_days,
            reconcile_after_seconds=settings.reconcile_after_seconds,
            reconcile_max_attempts=settings.reconcile_max_attempts,
            retention=overrides.pop("retention", None) or Retention(),
        ),
        on_start=on_start,
    )
    if overrides:
        raise TypeError(f"bootstrap() got unknown overrides: {sorted(overrides)}")
    return app
