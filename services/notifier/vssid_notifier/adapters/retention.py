"""The notifier's rows of the retention table: MongoDB's TTL monitor removes them.

Delivery records hold no personal data (declaration id, kind, status) and only deduplicate
sends; the streams keep events far shorter (`stream_days`), so no redelivery can outlive its
record. Recipients (kept from `submitted`, sealed under the declaration's data key) go with
the longest outcome row: by then the data key is destroyed, and the row removed too.
"""

from __future__ import annotations

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from vssid_notifier.adapters import deliveries, recipients
from vssid_shared.mongo import Doc
from vssid_shared.retention import DAY_SECONDS, Retention


async def ensure_delivery_retention(db: AsyncDatabase[Doc], retention: Retention) -> None:
    await db[deliveries.COLLECTION].create_index(
        [("updated_at", ASCENDING)],
        name="retention_updated_at",
        expireAfterSeconds=retention.deliveries_days * DAY_SECONDS,
    )
    longest = max(
        retention.verified_days,
        retention.rejected_days,
        retention.expired_days,
        retention.stream_days,
    )
    await db[recipients.COLLECTION].create_index(
        [("kept_at", ASCENDING)],
        name="retention_kept_at",
        expireAfterSeconds=longest * DAY_SECONDS,
    )
