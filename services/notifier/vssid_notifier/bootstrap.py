"""notifier's composition root."""

from __future__ import annotations

from dataclasses import dataclass

from vssid_notifier.adapters.deliveries import DeliveryStore
from vssid_notifier.adapters.sms import HttpSmsGateway
from vssid_notifier.adapters.smtp import SmtpMailer
from vssid_notifier.handlers import MAIL_KIND, Notifier
from vssid_notifier.settings import NotifierSettings
from vssid_shared.clock import utc_now
from vssid_shared.messaging import subscribe
from vssid_shared.runtime import Runtime
from vssid_shared.subjects import Event, consumer


@dataclass
class App:
    runtime: Runtime
    notifier: Notifier


def build(settings: NotifierSettings) -> App:
    runtime = Runtime.create(settings)
    deliveries = DeliveryStore(runtime.db)
    relay = runtime.with_outbox([deliveries.collection])
    notifier = Notifier(
        deliveries=deliveries,
        mailer=SmtpMailer(settings.smtp_url, timeout=settings.smtp_timeout_seconds),
        sms=HttpSmsGateway(
            settings.sms_url, settings.sms_token, timeout=settings.sms_timeout_seconds
        ),
        keys=runtime.keys,
        relay=relay,
        clock=utc_now,
        sender=settings.mail_from,
        locale=settings.locale,
        record_retry_seconds=settings.delivery_record_retry_seconds,
    )
    broker = runtime.broker
    subscribe(
        broker, consumer("notifier", Event.AWAITING_VERIFICATION), notifier.on_awaiting_verification
    )
    for event in MAIL_KIND:
        subscribe(broker, consumer("notifier", event), notifier.on_status)
    subscribe(broker, consumer("notifier", Event.ACCOUNT_ACTIVATED), notifier.on_account_activated)
    return App(runtime, notifier)
