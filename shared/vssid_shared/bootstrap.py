"""Declares the streams and durable consumers, once, for dev, tests and deploy alike."""

from __future__ import annotations

import asyncio
import logging
import sys

from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
    StreamSource,
)
from nats.js.errors import NotFoundError
from nats.js.manager import JetStreamManager

from vssid_shared.logs import configure_logging
from vssid_shared.nats_login import NatsLogin
from vssid_shared.retention import Retention
from vssid_shared.settings import CommonSettings
from vssid_shared.subjects import (
    ACK_WAIT_SECONDS,
    CONSUMERS,
    DEADLETTER_STREAM,
    DUPLICATE_WINDOW_SECONDS,
    MAX_DELIVER,
    STREAM,
    SUBJECT_PREFIX,
    VIEW_STREAM,
    deadletter_subjects,
)

log = logging.getLogger("bootstrap")


def stream_configs() -> list[StreamConfig]:
    # Age limits from the retention table (retention.py): sealed copies die with their data
    # keys earlier; this bounds everything else an event holds.
    max_age = Retention().stream_max_age_seconds()
    return [
        StreamConfig(
            name=STREAM,
            subjects=[f"{SUBJECT_PREFIX}.>"],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            duplicate_window=DUPLICATE_WINDOW_SECONDS,
            max_msg_size=1024 * 1024,
            max_age=max_age,
        ),
        StreamConfig(
            name=VIEW_STREAM,
            mirror=StreamSource(name=STREAM),
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            max_msg_size=1024 * 1024,
            max_age=max_age,
        ),
        StreamConfig(
            name=DEADLETTER_STREAM,
            subjects=deadletter_subjects(),
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            max_age=max_age,
        ),
    ]


async def declare_stream(jsm: JetStreamManager, config: StreamConfig) -> None:
    try:
        await jsm.stream_info(config.name or "")
    except NotFoundError:
        await jsm.add_stream(config)
    else:
        await jsm.update_stream(config)


async def declare_all(login: NatsLogin, ack_wait: float = ACK_WAIT_SECONDS) -> None:
    nc = await login.connect(connect_timeout=5)
    try:
        jsm = nc.jsm()
        for config in stream_configs():
            await declare_stream(jsm, config)
        for c in CONSUMERS:
            # Creating with the same durable name updates an existing consumer's config.
            await jsm.add_consumer(
                STREAM,
                ConsumerConfig(
                    durable_name=c.durable,
                    filter_subject=c.filter_subject,
                    ack_policy=AckPolicy.EXPLICIT,
                    deliver_policy=DeliverPolicy.ALL,
                    max_deliver=MAX_DELIVER,
                    ack_wait=ack_wait,
                ),
            )
        log.info("streams declared", extra={"consumers": len(CONSUMERS)})
    finally:
        await nc.close()


def main() -> int:
    settings = CommonSettings()
    configure_logging("bootstrap", settings.log_level)
    asyncio.run(declare_all(NatsLogin.from_settings(settings), settings.ack_wait_seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
