"""review's composition root."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from vssid_review.adapters.case_migration import migrate
from vssid_review.adapters.cases import CaseStore
from vssid_review.adapters.operators import OperatorStore
from vssid_review.handlers import Review
from vssid_review.reconciler import ReviewReconciler
from vssid_review.retention_sweep import ensure_retention_indexes
from vssid_review.settings import ReviewSettings
from vssid_review.sweeper import Sweeper
from vssid_review.withdrawal import on_withdrawn
from vssid_shared.clock import utc_now
from vssid_shared.images import ImageVault
from vssid_shared.messaging import subscribe
from vssid_shared.retention import Retention
from vssid_shared.runtime import Runtime
from vssid_shared.subjects import Event, consumer


@dataclass
class App:
    runtime: Runtime
    review: Review
    operators: OperatorStore
    sweeper: Sweeper


def build(settings: ReviewSettings) -> App:
    runtime = Runtime.create(settings)
    cases = CaseStore(runtime.db)
    relay = runtime.with_outbox([cases.collection])
    review = Review(
        cases=cases,
        vault=ImageVault(runtime.db, runtime.keys.images),
        keys=runtime.keys,
        relay=relay,
        clock=utc_now,
        visit_window_days=settings.visit_window_days,
    )
    subscribe(runtime.broker, consumer("review", Event.SCANNED), review.on_scanned)
    subscribe(runtime.broker, consumer("review", Event.ACCOUNT_HELD), review.on_account_held)
    subscribe(runtime.broker, consumer("review", Event.WITHDRAWN), partial(on_withdrawn, review))
    for receipt in (Event.COPY_MAILED, Event.NOTIFIED):
        subscribe(runtime.broker, consumer("review", receipt), review.on_delivery)
    sweeper = Sweeper(
        review,
        reminder_days_before=settings.reminder_days_before,
        interval_seconds=settings.sweep_interval_seconds,
        image_retention_days=settings.image_retention_days,
        reconciler=ReviewReconciler(
            review,
            after_seconds=settings.reconcile_after_seconds,
            max_attempts=settings.reconcile_max_attempts,
        ),
        retention=Retention(),
    )
    return App(runtime, review, OperatorStore(runtime.db), sweeper)


async def start(app: App) -> None:
    await app.review.cases.ensure_indexes()
    await ensure_retention_indexes(app.review)
    await migrate(app.review.cases)
    await app.operators.ensure_indexes()
    await app.runtime.start()
