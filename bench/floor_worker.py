"""The least worker a hop needs, for `bench/floor.py`: our broker as every worker makes it
(`make_broker`: durable pulls in batches, each message acked by hand) on ocr_qr's durable
consumer, acking every message and doing nothing else: no parsing, storage, logs or metrics.

Run with ocr_qr's VSSID_NATS_* login in the environment.
"""

from __future__ import annotations

from faststream import FastStream

from vssid_shared import loop
from vssid_shared.messaging import Message, durable, make_broker
from vssid_shared.nats_login import settings_login
from vssid_shared.subjects import CONSUMERS, Event

BATCH = 4  # Settings.pull_batch_size's default


def main() -> None:
    broker = make_broker(settings_login(), pull_batch_size=BATCH)
    consumer = next(c for c in CONSUMERS if c.service == "ocr_qr" and c.event == Event.SUBMITTED)

    @durable(broker, consumer)
    async def on_submitted(msg: Message) -> None:
        await msg.ack()

    loop.run(FastStream(broker).run())


if __name__ == "__main__":
    main()
