"""Intake's composition root: `bootstrap(settings, **overrides)` → adapters → `App`.

Every part can be overridden by name (tests give fakes: `bootstrap(settings, declarations=...)`),
nothing is connected here (PyMongo and the broker connect on start), and nothing is built at
import. The API (`entrypoints/api.py`), the subscribers (`entrypoints/worker.py`) and the CLI
all get their adapters from here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from vssid_intake.adapters import accounts, declarations
from vssid_intake.adapters.accounts import AccountStore
from vssid_intake.adapters.agencies import AgencyCatalogStore
from vssid_intake.adapters.declarations import DeclarationStore
from vssid_intake.adapters.hashing import HashingGate
from vssid_intake.adapters.login_limits import LoginLimits
from vssid_intake.adapters.qr_decoder import NatsQrDecoder
from vssid_intake.adapters.ratelimit import RateLimiter
from vssid_intake.adapters.registry import RegistryStore
from vssid_intake.adapters.sessions import SessionStore
from vssid_intake.domain.agencies import AgencyCatalog
from vssid_intake.domain.login_policy import LoginPolicy, SessionPolicy
from vssid_intake.entrypoints.decode_gate import DecodeGate
from vssid_intake.ports import AgencySource, Deps, Limits, RateLimit, ReconcilePolicy
from vssid_intake.settings import IntakeSettings
from vssid_shared.clock import Clock, utc_now
from vssid_shared.images import ImageVault
from vssid_shared.retention import Retention
from vssid_shared.runtime import Runtime

SERVICE = "intake"
T = TypeVar("T")


@dataclass
class App:
    """One intake process: its runtime, its use cases' deps, and what the edge needs."""

    runtime: Runtime
    deps: Deps
    settings: IntakeSettings
    agency_source: AgencySource
    lookup_limit: RateLimit
    decode_gate: DecodeGate
    reconcile: ReconcilePolicy
    # Run at start (real adapters only): index builders, then migrations by part name.
    indexes: list[Callable[[], Awaitable[None]]]
    migrations: dict[str, Callable[[], Awaitable[int]]]
    on_stop: list[Callable[[], None]]

    def stop(self) -> None:
        for step in self.on_stop:
            step()


def login_policy(settings: IntakeSettings) -> LoginPolicy:
    return LoginPolicy(
        client_max_failures=settings.login_client_max_failures,
        client_window=timedelta(minutes=settings.login_client_window_minutes),
        max_failures=settings.login_max_failures,
        lockout=timedelta(minutes=settings.login_lockout_minutes),
        account_max_failures=settings.login_account_max_failures,
        account_window=timedelta(minutes=settings.login_account_lockout_minutes),
    )


def session_policy(settings: IntakeSettings) -> SessionPolicy:
    return SessionPolicy(
        idle=timedelta(minutes=settings.session_idle_minutes),
        absolute=timedelta(minutes=settings.session_absolute_minutes),
    )


def bootstrap(settings: IntakeSettings | None = None, **overrides: Any) -> App:
    """The whole service wired; any of `Deps`' fields, `runtime`, `agency_source`,
    `lookup_limit`, `decode_limit`, `retention` or `clock` may be given instead of built."""
    settings = settings or IntakeSettings()
    runtime: Runtime = overrides.pop("runtime", None) or Runtime.create(settings)
    db, keys = runtime.db, runtime.keys
    clock: Clock = overrides.pop("clock", utc_now)
    indexes: list[Callable[[], Awaitable[None]]] = []
    migrations: dict[str, Callable[[], Awaitable[int]]] = {}
    on_stop: list[Callable[[], None]] = []

    def part(name: str, build: Callable[[], T]) -> T:
        if name in overrides:
            given: T = overrides.pop(name)
            return given
        built = build()
        if (ensure := getattr(built, "ensure_indexes", None)) is not None:
            indexes.append(ensure)
        if (migrate := getattr(built, "migrate_clear_ids", None)) is not None:
            migrations[name] = migrate
        return built

    # The outbox relay drains the collections whose updates queue events.
    outbox = part(
        "outbox",
        lambda: runtime.with_outbox([db[declarations.COLLECTION], db[accounts.COLLECTION]]),
    )
    images = part("images", lambda: ImageVault(db, keys.images))
    password_work = part(
        "password_work",
        lambda: HashingGate(settings.login_hash_workers, settings.login_hash_queue),
    )
    if isinstance(password_work, HashingGate):
        on_stop.append(password_work.close)
    deps = Deps(
        declarations=part("declarations", lambda: DeclarationStore(db, keys)),
        accounts=part("accounts", lambda: AccountStore(db, keys)),
        sessions=part("sessions", lambda: SessionStore(db, session_policy(settings))),
        registry=part("registry", lambda: RegistryStore(db, keys)),
        images=images,
        outbox=outbox,
        login_limits=part(
            "login_limits",
            lambda: LoginLimits(db["login_limits"], keys.lookup, clock, login_policy(settings)),
        ),
        password_work=password_work,
        qr_decoder=part(
            "qr_decoder",
            lambda: NatsQrDecoder(runtime.broker, settings.qr_decode_timeout_seconds),
        ),
        agencies=part("agencies", AgencyCatalog.load),
        keys=keys,
        clock=clock,
        limits=Limits(
            max_image_bytes=settings.max_image_bytes,
            max_image_pixels=settings.max_image_pixels,
            decode_max_pixels=settings.decode_max_pixels,
            qr_inline_max_bytes=settings.qr_inline_max_bytes,
        ),
    )
    # Its own collection: the decode budget and the lookup budget never share a counter.
    decode_limit = part(
        "decode_limit",
        lambda: RateLimiter(
            db["decode_rate_limits"], keys.lookup, clock, settings.decode_rate_per_minute
        ),
    )
    app = App(
        runtime=runtime,
        deps=deps,
        settings=settings,
        agency_source=part("agency_source", lambda: AgencyCatalogStore(db)),
        lookup_limit=part(
            "lookup_limit",
            lambda: RateLimiter(
                db["rate_limits"], keys.lookup, clock, settings.lookup_rate_per_minute
            ),
        ),
        decode_gate=DecodeGate(decode_limit, settings.decode_in_flight_per_client),
        reconcile=ReconcilePolicy(
            after_seconds=settings.reconcile_after_seconds,
            interval_seconds=settings.reconcile_interval_seconds,
            max_attempts=settings.reconcile_max_attempts,
            retention=overrides.pop("retention", None) or Retention(),
        ),
        indexes=indexes,
        migrations=migrations,
        on_stop=on_stop,
    )
    if overrides:
        raise TypeError(f"bootstrap() got unknown overrides: {sorted(overrides)}")
    return app
