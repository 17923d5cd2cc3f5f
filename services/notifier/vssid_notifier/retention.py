"""Delivery records' row of the retention table: MongoDB's TTL monitor removes them.

They hold no personal data (declaration id, kind, status) and only deduplicate sends; the
streams keep events far shorter (`stream_days`), so no redelivery can outlive its record.
"""

from __future__ import annotations

from pymongo import ASCENDING

from vssid_notifier.adapters.deliveries import DeliveryStore
from vssid_shared.retention import DAY_SECONDS, Retention


async def ensure_delivery_retention(store: DeliveryStore, retention: Retention) -> None:
    await store.collection.create_index(
        [("updated_at", ASCENDING)],
        name="retention_updated_at",
        expireAfterSeconds=retention.deliveries_days * DAY_SECONDS,
    )
