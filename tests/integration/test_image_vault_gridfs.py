"""ImageVault writes the GridFS layout itself: readable by GridFS, in two writes per photo."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from bson import ObjectId
from gridfs import AsyncGridFSBucket
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from vssid.devstack import Stack
from vssid_shared.crypto import Keys
from vssid_shared.images import BUCKET, ImageNotFoundError, ImageVault
from vssid_shared.mongo import Doc

KEYS = Keys("x" * 40)


@pytest.fixture
async def db(stack: Stack, mongo_db_name: str) -> AsyncIterator[AsyncDatabase[Doc]]:
    client: AsyncMongoClient[Doc] = AsyncMongoClient(stack.mongo_url)
    yield client[mongo_db_name]
    await client.close()


async def test_gridfs_reads_back_what_the_vault_wrote(db: AsyncDatabase[Doc]) -> None:
    vault = ImageVault(db, KEYS.images)
    photo = os.urandom(600_000)  # three chunks of 255 KiB, the last one short
    file_id = await vault.put("d-1", "id_front", photo, {"sha256": "ab", "size": len(photo)})

    assert await vault.get(file_id, "d-1", "id_front") == photo
    stored = await (
        await AsyncGridFSBucket(db, BUCKET).open_download_stream(ObjectId(file_id))
    ).read()
    assert KEYS.images.open_bytes(stored, "d-1/id_front") == photo
    files = await db[f"{BUCKET}.files"].find_one({"_id": ObjectId(file_id)})
    assert files is not None
    assert files["metadata"] == {
        "declaration_id": "d-1",
        "kind": "id_front",
        "sha256": "ab",
        "size": len(photo),
    }
    assert await db[f"{BUCKET}.chunks"].count_documents({"files_id": ObjectId(file_id)}) == 3
    chunk_indexes = await db[f"{BUCKET}.chunks"].index_information()
    assert any(
        spec["key"] == [("files_id", 1), ("n", 1)] and spec.get("unique")
        for spec in chunk_indexes.values()
    )

    await vault.delete(file_id)
    with pytest.raises(ImageNotFoundError):
        await vault.get(file_id, "d-1", "id_front")
    assert await db[f"{BUCKET}.chunks"].count_documents({"files_id": ObjectId(file_id)}) == 0


async def test_a_photo_costs_two_writes_and_no_query(db: AsyncDatabase[Doc]) -> None:
    vault = ImageVault(db, KEYS.images)
    await vault.put("d-0", "portrait", b"first", {})  # the indexes, once per vault
    await db.command("profile", 2)
    await vault.put("d-2", "portrait", os.urandom(300_000), {})
    await db.command("profile", 0)
    ops = [
        (entry["ns"], entry["op"])
        async for entry in db["system.profile"].find({"ns": {"$regex": f"^{db.name}.{BUCKET}"}})
    ]
    assert sorted(ops) == [
        (f"{db.name}.{BUCKET}.chunks", "insert"),
        (f"{db.name}.{BUCKET}.files", "insert"),
    ]
