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
from vssid_intake.autofill import Autofill
from vssid_intake.decode_gate import DecodeGate
from vssid_intake.domain.agencies import AgencyCatalog
from vssid_intake.handlers import Intake
from vssid_intake.ratelimit import RateLimiter
from vssid_intake.settings import IntakeSettings
from vssid_shared.clock import utc_now
from vssid_shared.images import ImageVault
from vssid_shared.messaging import subscribe
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
    decode_gate: DecodeGate


def build(settings: IntakeSettings) -> App:
    runtime = Runtime.create(settings)
    store = DeclarationStore(runtime.db, runtime.keys)
    account_store = AccountStore(runtime.db)
    relay = runtime.with_outbox([store.collection, account_store.collection])
    intake = Intake(
        store=store,
        vault=ImageVault(runtime.db, runtime.keys.images),
        agencies=AgencyCatalog.load(),
        keys=runtime.keys,
        relay=relay,
        clock=utc_now,
        max_image_bytes=settings.max_image_bytes,
        max_image_pixels=settings.max_image_pixels,
    )
    accounts = Accounts(
        store=account_store,
        declarations=store,
        keys=runtime.keys,
        relay=relay,
        clock=utc_now,
        max_failures=settings.login_max_failures,
        lockout=timedelta(minutes=settings.login_lockout_minutes),
    )
    subscribe(runtime.broker, consumer(SERVICE, Event.SCANNED), intake.on_scanned)
    subscribe(runtime.broker, consumer("intake_accounts", Event.VERIFIED), accounts.on_verified)
    for event in (Event.AWAITING_VERIFICATION, Event.VERIFIED, Event.REJECTED, Event.EXPIRED):
        subscribe(runtime.broker, consumer(SERVICE, event), intake.on_status_event)
    autofill = Autofill(
        broker=runtime.broker,
        vault=intake.vault,
        registry=RegistryStore(runtime.db, runtime.keys),
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
    return App(
        runtime,
        intake,
        accounts,
        autofill,
        limiter,
        catalog,
        settings.agency_refresh_seconds,
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


async def start(app: App) -> None:
    await app.intake.store.ensure_indexes()
    await app.accounts.store.ensure_indexes()
    await app.autofill.registry.ensure_indexes()
    await app.limiter.ensure_indexes()
    await app.decode_gate.limiter.ensure_indexes()
    await refresh_agencies(app)
    await app.runtime.start()
