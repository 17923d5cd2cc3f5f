"""ocr_qr's scan store on real MongoDB: photos reused across declarations are found even when
the declarations are scanned at the same moment."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from vssid.devstack import Stack
from vssid_ocr_qr.adapters.scans import ScanStore
from vssid_shared.mongo import Doc

SHA = "ab" * 32


@pytest.fixture
async def store(stack: Stack, mongo_db_name: str) -> AsyncIterator[ScanStore]:
    client: AsyncMongoClient[Doc] = AsyncMongoClient(stack.mongo_url)
    try:
        db: AsyncDatabase[Doc] = client[mongo_db_name]
        scans = ScanStore(db)
        await scans.ensure_indexes()
        yield scans
    finally:
        await client.close()


async def test_the_later_of_two_overlapping_scans_sees_the_other(store: ScanStore) -> None:
    # Interleaved as two workers would run them: A notes its photo and looks (nothing else
    # yet), B notes the same bytes and looks: B must see A although A's scan is not finished.
    await store.sight(SHA, "decl-a", "4802-AAAAAA")
    assert await store.references_with_images([SHA], "decl-a") == []
    await store.sight(SHA, "decl-b", "4802-BBBBBB")
    assert await store.references_with_images([SHA], "decl-b") == ["4802-AAAAAA"]
    # Both noted before either looks: each sees the other.
    await store.sight(SHA, "decl-c", "4802-CCCCCC")
    assert await store.references_with_images([SHA], "decl-a") == ["4802-BBBBBB", "4802-CCCCCC"]


async def test_noting_the_same_photo_twice_is_one_sighting(
    store: ScanStore, aware_db: AsyncDatabase[Doc]
) -> None:
    for _ in range(3):  # a redelivered `submitted` runs the scan again
        await store.sight(SHA, "decl-a", "4802-AAAAAA")
    await store.sight(SHA, "decl-b", "4802-BBBBBB")
    assert await store.references_with_images([SHA], "decl-b") == ["4802-AAAAAA"]
    assert await aware_db["image_sightings"].count_documents({"sha256": SHA}) == 2
