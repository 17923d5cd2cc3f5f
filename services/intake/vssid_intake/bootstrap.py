"""Intake's composition root: settings → adapters → use cases → subscribers."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta

from vssid_intake.account_handlers import Accounts
from vssid_intake.adapters.accounts import AccountStore
from vssid_intake.adapters.agencies import AgencyCatalogStore
from vssid_intake.adapters.declarations import DeclarationStore
from vssid_intake.adapters.registry import RegistryStore
from vssid_intake.adapters.sessions import SessionPolicy, SessionStore
from vssid_intake.autofill import Autofill
from vssid_intake.decode_gate import DecodeGate
from vssid_intake.domain.agencies import AgencyCatalog
from vssid_intake.handlers import Intake
from vssid_intake.hashing import HashingGate
from vssid_intake.login_limits import LoginLimits, LoginPolicy
from vssid_intake.ratelimit import RateLimiter
from vssid_intake.reconciler import IntakeReconciler
from vssid_intake.retention_sweep import ensure_retention_indexes
from vssid_intake.settings import IntakeSettings
from vssid_intake.sin_checks import SinChecks
from vssid_shared.clock import utc_now
from vssid_shared.images import ImageVault
from vssid_shared.messaging import subscribe
from vssid_shared.retention import Retention
from vssid_shared.runtime import Runtime
from vssid_shared.subjects import Event, consumer

SERVICE = "intake"


@dataclass
class App:
    runtime: Runtime
    intake: Intake
    accounts: Accounts
    autofill: Autofill
    limiter: RateLimiter
    catalog: AgencyCatalogStore
    refresh_seconds: float
    reconciler: IntakeReconciler
    decode_gate: DecodeGate


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


def build(settings: IntakeSettings) -> App:
    runtime = Runtime.create(settings)
    store = DeclarationStore(runtime.db, runtime.keys)
    account_store = AccountStore(runtime.db, runtime.keys)
    relay = runtime.with_outbox([store.collection, account_store.collection])
    registry = RegistryStore(runtime.db, runtime.keys)
    checks = SinChecks(registry, account_store, store, runtime.keys.lookup)
    intake = Intake(
        store=store,
        vault=ImageVault(runtime.db, runtime.keys.images),
        agencies=AgencyCatalog.load(),
        keys=runtime.keys,
        relay=relay,
        clock=utc_now,
        max_image_bytes=settings.max_image_bytes,
        max_image_pixels=settings.max_image_pixels,
        checks=checks,
    )
    accounts = Accounts(
        store=account_store,
        sessions=SessionStore(runtime.db, session_policy(settings)),
        declarations=store,
        keys=runtime.keys,
        relay=relay,
        clock=utc_now,
        limits=LoginLimits(
            runtime.db["login_limits"], runtime.keys.lookup, utc_now, login_policy(settings)
        ),
        hashing=HashingGate(settings.login_hash_workers, settings.login_hash_queue),
        checks=checks,
    )
    subscribe(runtime.broker, consumer(SERVICE, Event.SCANNED), intake.on_scanned)
    subscribe(runtime.broker, consumer("intake_accounts", Event.VERIFIED), accounts.on_verified)
    for event in (Event.AWAITING_VERIFICATION, Event.VERIFIED, Event.REJECTED, Event.EXPIRED):
        subscribe(runtime.broker, consumer(SERVICE, event), intake.on_status_event)
    autofill = Autofill(
        broker=runtime.broker,
        vault=intake.vault,
        registry=registry,
        timeout=settings.qr_decode_timeout_seconds,
        inline_max_bytes=settings.qr_inline_max_bytes,
        max_pixels=settings.decode_max_pixels,
    )
    # Its own collection: the decode budget and the lookup budget never share a counter.
    decode_gate = DecodeGate(
        RateLimiter(
            runtime.db["decode_rate_limits"],
            runtime.keys.lookup,
            utc_now,
            settings.decode_rate_per_minute,
        ),
        settings.decode_in_flight_per_client,
    )
    limiter = RateLimiter(
        runtime.db["rate_limits"], runtime.keys.lookup, utc_now, settings.lookup_rate_per_minute
    )
    catalog = AgencyCatalogStore(runtime.db)
    reconciler = IntakeReconciler(
        intake,
        after_seconds=settings.reconcile_after_seconds,
        interval_seconds=settings.reconcile_interval_seconds,
        max_attempts=settings.reconcile_max_attempts,
        retention=Retention(),
    )
    return App(
        runtime,
        intake,
        accounts,
        autofill,
        limiter,
        catalog,
        settings.agency_refresh_seconds,
        reconciler,
        decode_gate,
    )


async def refresh_agencies(app: App) -> None:
    """An imported catalog (in MongoDB) wins over the bundled one; re-read now and then."""
    if (catalog := await app.catalog.load()) is not None:
        app.intake.agencies = catalog


async def keep_agencies_fresh(app: App) -> None:
    while True:
        await asyncio.sleep(app.refresh_seconds)
        try:
            await refresh_agencies(app)
        except Exception:
            logging.getLogger(__name__).exception("agency catalog refresh failed")


async def migrate_clear_ids(app: App) -> None:
    """Data written before numbers became keyed ids is re-keyed (or, sessions, ended)."""
    moved = {
        "accounts": await app.accounts.store.migrate_clear_ids(),
        "sessions": await app.accounts.sessions.migrate_clear_ids(),
        "registry": await app.autofill.registry.migrate_clear_ids(),
    }
    if any(moved.values()):
        logging.getLogger(__name__).info("re-keyed documents with numbers in clear", extra=moved)
    await app.runtime.db.drop_collection("login_failures")  # counters of the old layout


async def start(app: App) -> None:
    await app.intake.store.ensure_indexes()
    await ensure_retention_indexes(app.intake)
    await app.accounts.store.ensure_indexes()
    await app.accounts.sessions.ensure_indexes()
    await app.accounts.limits.ensure_indexes()
    await app.autofill.registry.ensure_indexes()
    await migrate_clear_ids(app)
    await app.limiter.ensure_indexes()
    await app.decode_gate.limiter.ensure_indexes()
    await refresh_agencies(app)
    await app.runtime.start()
