"""notifier's composition root: settings in, a wired worker out; any port can be overridden."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict, Unpack

from faststream import FastStream

from vssid_notifier.adapters import deliveries
from vssid_notifier.adapters.deliveries import DeliveryStore
from vssid_notifier.adapters.pdf import render_declaration_pdf
from vssid_notifier.adapters.recipients import RecipientStore
from vssid_notifier.adapters.retention import ensure_delivery_retention
from vssid_notifier.adapters.sms import HttpSmsGateway
from vssid_notifier.adapters.smtp import SmtpMailer
from vssid_notifier.entrypoints.worker import subscribe
from vssid_notifier.ports import (
    DeliveryRepository,
    Mailer,
    NotifyDeps,
    Outbox,
    RecipientRepository,
    SmsGateway,
)
from vssid_notifier.settings import NotifierSettings
from vssid_shared.clock import Clock, utc_now
from vssid_shared.logs import configure_logging
from vssid_shared.retention import Retention
from vssid_shared.runtime import Runtime
from vssid_shared.worker import worker_app


class Overrides(TypedDict, total=False):
    runtime: Runtime
    deliveries: DeliveryRepository
    recipients: RecipientRepository
    mailer: Mailer
    sms: SmsGateway
    outbox: Outbox
    clock: Clock


@dataclass(frozen=True)
class NotifierService:
    runtime: Runtime
    deps: NotifyDeps
    app: FastStream


def bootstrap(settings: NotifierSettings, **overrides: Unpack[Overrides]) -> NotifierService:
    log = configure_logging("notifier", settings.log_level)
    runtime = overrides.get("runtime") or Runtime.create(settings)
    store = DeliveryStore(runtime.db)
    relay = runtime.with_outbox([runtime.db[deliveries.COLLECTION]])
    recipients = RecipientStore(runtime.db)
    deps = NotifyDeps(
        deliveries=overrides.get("deliveries", store),
        recipients=overrides.get("recipients") or recipients,
        mailer=overrides.get("mailer")
        or SmtpMailer(settings.smtp_url, timeout=settings.smtp_timeout_seconds),
        sms=overrides.get("sms")
        or HttpSmsGateway(
            settings.sms_url, settings.sms_token, timeout=settings.sms_timeout_seconds
        ),
        events=runtime.keys.events,
        passwords=runtime.keys.passwords,
        records=runtime.keys.records,
        outbox=overrides.get("outbox", relay),
        clock=overrides.get("clock", utc_now),
        sender=settings.mail_from,
        locale=settings.locale,
        render_copy=render_declaration_pdf,
        record_retry_seconds=settings.delivery_record_retry_seconds,
    )
    subscribe(runtime.broker, deps)
    app = worker_app(
        runtime,
        title="VssID notifier",
        description=(
            "Gửi bản sao tờ khai, thư báo trạng thái và SMS mật khẩu, mỗi loại đúng một lần."
        ),
        log=log,
        on_start=lambda: ensure_delivery_retention(runtime.db, Retention()),
    )
    return NotifierService(runtime, deps, app)
