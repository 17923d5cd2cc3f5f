"""ImageVault writes the GridFS layout itself: readable by GridFS, in two writes per photo;
it reads a photo from its chunks alone (one query), and what is missing or changed never
reads as a photo."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from bson import ObjectId
from cryptography.exceptions import InvalidTag
from gridfs import DEFAULT_CHUNK_SIZE, AsyncGridFSBucket
from gridfs.errors import CorruptGridFile
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


async def three_chunks(db: AsyncDatabase[Doc], vault: ImageVault, photo: bytes) -> ObjectId:
    file_id = ObjectId(await vault.put("d-3", "portrait", photo, {}))
    assert await db[f"{BUCKET}.chunks"].count_documents({"files_id": file_id}) == 3
    return file_id


async def test_a_missing_or_changed_chunk_never_reads_as_a_photo(db: AsyncDatabase[Doc]) -> None:
    vault, chunks = ImageVault(db, KEYS.images), db[f"{BUCKET}.chunks"]
    photo = os.urandom(2 * DEFAULT_CHUNK_SIZE + 1000)
    # A gap in the numbering: corrupt, as pymongo's reader says.
    file_id = await three_chunks(db, vault, photo)
    await chunks.delete_one({"files_id": file_id, "n": 1})
    with pytest.raises(CorruptGridFile):
        await vault.get(str(file_id), "d-3", "portrait")
    # The last chunk gone, which the numbering cannot show: AES-GCM's tag went with it.
    file_id = await three_chunks(db, vault, photo)
    await chunks.delete_one({"files_id": file_id, "n": 2})
    with pytest.raises(InvalidTag):
        await vault.get(str(file_id), "d-3", "portrait")
    # One byte changed.
    file_id = await three_chunks(db, vault, photo)
    stored = await chunks.find_one({"files_id": file_id, "n": 0})
    assert stored is not None
    data = bytearray(stored["data"])
    data[100] ^= 1
    await chunks.update_one({"_id": stored["_id"]}, {"$set": {"data": bytes(data)}})
    with pytest.raises(InvalidTag):
        await vault.get(str(file_id), "d-3", "portrait")
    # Read under another declaration or kind: the associated data differs.
    file_id = await three_chunks(db, vault, photo)
    with pytest.raises(InvalidTag):
        await vault.get(str(file_id), "d-3", "id_front")
    assert await vault.get(str(file_id), "d-3", "portrait") == photo


async def test_a_deletion_cut_short_reads_as_gone_and_finishes_on_the_next(
    db: AsyncDatabase[Doc],
) -> None:
    vault = ImageVault(db, KEYS.images)
    file_id = await vault.put("d-4", "portrait", os.urandom(300_000), {})
    # What a delete that died between its two writes leaves: the file document alone.
    await db[f"{BUCKET}.chunks"].delete_many({"files_id": ObjectId(file_id)})
    with pytest.raises(ImageNotFoundError):
        await vault.get(file_id, "d-4", "portrait")
    await vault.delete(file_id)
    assert await db[f"{BUCKET}.files"].count_documents({"_id": ObjectId(file_id)}) == 0
    await vault.delete(file_id)  # deleting what is gone is no error


async def test_the_vault_reads_what_pymongos_gridfs_wrote(db: AsyncDatabase[Doc]) -> None:
    """Photos stored before the vault wrote the layout itself (pymongo's uploader)."""
    vault = ImageVault(db, KEYS.images)
    photo = os.urandom(700_000)
    file_id = ObjectId()
    blob = KEYS.images.seal_bytes(photo, "d-5/id_back")
    await AsyncGridFSBucket(db, BUCKET).upload_from_stream_with_id(file_id, "id_back", blob)
    assert await vault.get(str(file_id), "d-5", "id_back") == photo
