"""Copies the photo hashes of scans finished before sightings existed into the sightings,
once per database (issue 13).

Until it has run, a declaration's reused-photo lookup also asks the scan records (one more
query per declaration, for data that no longer changes); after it, the sightings alone hold
every declaration's photos. It walks the scans once, which is why it runs at start-up and
marks itself done: the next start reads one document instead. Re-running it changes nothing
(`$addToSet`), so two replicas starting together may both run it.
"""

from __future__ import annotations

import contextlib
import logging

from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from vssid_shared.mongo import Doc

log = logging.getLogger(__name__)

MARK = "image-sightings-from-scans-v1"
BATCH = 500  # sightings per write: one commit for many, not one each


async def migrated(scans: AsyncCollection[Doc]) -> bool:
    return await scans.database["migrations"].find_one({"_id": MARK}) is not None


async def migrate(scans: AsyncCollection[Doc], sightings: AsyncCollection[Doc]) -> int:
    """Returns how many scans were copied (0 when the database was migrated before)."""
    if await migrated(scans):
        return 0
    copied = 0
    batch: list[UpdateOne] = []
    async for scan in scans.find({}, {"reference": 1, "image_sha256": 1}):
        if scan.get("image_sha256"):
            batch.append(_sighting(scan))
        if len(batch) >= BATCH:
            copied += await _write(sightings, batch)
    copied += await _write(sightings, batch)
    with contextlib.suppress(DuplicateKeyError):  # another replica finished first
        await scans.database["migrations"].insert_one({"_id": MARK, "scans": copied})
    if copied:
        log.info("older scans' photos copied to the sightings", extra={"scans": copied})
    return copied


def _sighting(scan: Doc) -> UpdateOne:
    # The shape `ScanStore.sight_all` writes: one document per declaration, its hashes a set.
    return UpdateOne(
        {"_id": scan["_id"]},
        {
            "$set": {"declaration_id": scan["_id"], "reference": scan.get("reference")},
            "$addToSet": {"sha256": {"$each": list(scan["image_sha256"])}},
        },
        upsert=True,
    )


async def _write(sightings: AsyncCollection[Doc], batch: list[UpdateOne]) -> int:
    if not batch:
        return 0
    await sightings.bulk_write(batch, ordered=False)
    written = len(batch)
    batch.clear()
    return written
