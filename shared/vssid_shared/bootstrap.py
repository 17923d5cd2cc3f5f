"""Declares the streams and durable consumers, once, for dev, tests and deploy alike."""

from __future__ import annotations

import asyncio
import logging
import sys
from dataclasses import fields

from nats.js.api import (
    AckPolicy,
    Base,
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

SCALE_TIMEOUT_SECONDS = 30.0


def stream_configs(replicas: int = 1) -> list[StreamConfig]:
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
            num_replicas=replicas,
        ),
        StreamConfig(
            name=VIEW_STREAM,
            mirror=StreamSource(name=STREAM),
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            max_msg_size=1024 * 1024,
            max_age=max_age,
            num_replicas=replicas,
        ),
        StreamConfig(
            name=DEADLETTER_STREAM,
            subjects=deadletter_subjects(),
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            max_age=max_age,
            num_replicas=replicas,
        ),
    ]


def consumer_configs(ack_wait: float = ACK_WAIT_SECONDS, replicas: int = 1) -> list[ConsumerConfig]:
    return [
        ConsumerConfig(
            durable_name=c.durable,
            filter_subject=c.filter_subject,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            max_deliver=MAX_DELIVER,
            ack_wait=ack_wait,
            # Explicit, not 0 ("as the stream"): a consumer keeps its own count once created.
            num_replicas=replicas,
        )
        for c in CONSUMERS
    ]


def differences(wanted: Base, current: Base) -> list[str]:
    """The fields `wanted` sets that `current` has otherwise (unset ones are the server's)."""
    # Only fields set: None or a 0 default (e.g. duplicate_window) means "the server's default".
    chosen = {f.name for f in fields(wanted) if not _unset(getattr(wanted, f.name), f.default)}
    have = current.as_dict()
    return [
        key
        for key, value in wanted.as_dict().items()
        if key in chosen and not _same(value, have.get(key))
    ]


def _unset(value: object, default: object) -> bool:
    return value is None or (value == 0 and default == 0)


def _same(wanted: object, current: object) -> bool:
    if isinstance(wanted, dict) and isinstance(current, dict):
        return all(_same(value, current.get(key)) for key, value in wanted.items())
    return wanted == current


async def declare_stream(jsm: JetStreamManager, config: StreamConfig) -> str:
    """Create the stream, or update it where its config differs; what was done."""
    try:
        info = await jsm.stream_info(config.name or "")
    except NotFoundError:
        await jsm.add_stream(config)
        return "created"
    changed = differences(config, info.config)
    if not changed:
        return "unchanged"
    await jsm.update_stream(config)
    log.info("stream updated", extra={"stream": config.name, "fields": changed})
    if "num_replicas" in changed:
        await _wait_for_peers(jsm, config.name or "", config.num_replicas or 1)
    return "updated"


async def _wait_for_peers(jsm: JetStreamManager, name: str, replicas: int) -> None:
    """A scaled stream gets its new peers asynchronously: its consumers may only be scaled
    once it has them (the server refuses a consumer with more replicas than its stream)."""
    deadline = asyncio.get_running_loop().time() + SCALE_TIMEOUT_SECONDS
    while True:
        info = await jsm.stream_info(name)
        peers = info.cluster.replicas or [] if info.cluster else []
        if len(peers) + 1 >= replicas:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"stream {name} did not reach {replicas} replicas")
        await asyncio.sleep(0.2)


async def declare_consumer(jsm: JetStreamManager, config: ConsumerConfig) -> str:
    """Create the durable, or update it where its config differs; what was done."""
    name = config.durable_name or ""
    try:
        info = await jsm.consumer_info(STREAM, name)
    except NotFoundError:
        await jsm.add_consumer(STREAM, config)
        return "created"
    changed = differences(config, info.config)
    if not changed:
        return "unchanged"
    # The durable create endpoint updates an existing consumer to the config sent.
    await jsm.add_consumer(STREAM, config)
    log.info("consumer updated", extra={"consumer": name, "fields": changed})
    return "updated"


async def declare_all(
    login: NatsLogin, ack_wait: float = ACK_WAIT_SECONDS, replicas: int = 1
) -> dict[str, str]:
    """Every stream and consumer as configured, idempotently; name -> created/updated/unchanged."""
    nc = await login.connect(connect_timeout=5)
    try:
        jsm = nc.jsm()
        done: dict[str, str] = {}
        for stream in stream_configs(replicas):
            done[stream.name or ""] = await declare_stream(jsm, stream)
        for consumer in consumer_configs(ack_wait, replicas):
            done[consumer.durable_name or ""] = await declare_consumer(jsm, consumer)
        counts = {what: list(done.values()).count(what) for what in sorted(set(done.values()))}
        log.info("streams declared", extra={"replicas": replicas, "outcomes": counts})
        return done
    finally:
        await nc.close()


def main() -> int:
    settings = CommonSettings()
    configure_logging("bootstrap", settings.log_level)
    login = NatsLogin.from_settings(settings)
    asyncio.run(declare_all(login, settings.ack_wait_seconds, settings.nats_replicas))
    return 0


if __name__ == "__main__":
    sys.exit(main())
