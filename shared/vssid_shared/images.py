"""Claim-check image storage: encrypted blobs in GridFS, referenced by id and sha256 in events."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bson import Binary, ObjectId
from gridfs import DEFAULT_CHUNK_SIZE
from gridfs.errors import CorruptGridFile
from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from vssid_shared.crypto import Sealer
from vssid_shared.mongo import Doc
from vssid_shared.storage_errors import ImageNotFoundError

__all__ = ["BUCKET", "ImageNotFoundError", "ImageVault"]

BUCKET = "images"


def _aad(declaration_id: str, kind: str) -> str:
    return f"{declaration_id}/{kind}"


class ImageVault:
    """Images are sensitive personal data: stored only as AES-GCM ciphertext, bound to their use."""

    def __init__(self, db: AsyncDatabase[Doc], sealer: Sealer) -> None:
        self._files = db[f"{BUCKET}.files"]
        self._chunks = db[f"{BUCKET}.chunks"]
        self._sealer = sealer
        self._indexed = False

    async def ensure_indexes(self) -> None:
        """The indexes of the GridFS spec, which pymongo's uploader would look for itself."""
        await self._files.create_index([("filename", ASCENDING), ("uploadDate", ASCENDING)])
        await self._chunks.create_index([("files_id", ASCENDING), ("n", ASCENDING)], unique=True)
        self._indexed = True

    async def put(self, declaration_id: str, kind: str, data: bytes, meta: dict[str, Any]) -> str:
        """Stored in the GridFS layout, written here rather than by pymongo's uploader: that
        one checks both collections for the spec's indexes before every file, two queries per
        photo, and SecantusDB answers the chunks one by reading every stored chunk (its CPU per
        photo grew from 7 to 85 ms over the first 120 photos). Any GridFS reader reads these."""
        if not self._indexed:
            await self.ensure_indexes()
        blob = self._sealer.seal_bytes(data, _aad(declaration_id, kind))
        file_id = ObjectId()
        chunks = [
            {"files_id": file_id, "n": n, "data": Binary(blob[at : at + DEFAULT_CHUNK_SIZE])}
            for n, at in enumerate(range(0, len(blob), DEFAULT_CHUNK_SIZE))
        ]
        await self._chunks.insert_many(chunks)
        try:
            # The file document last: a reader never finds a file whose chunks are missing.
            await self._files.insert_one(
                {
                    "_id": file_id,
                    "length": len(blob),
                    "chunkSize": DEFAULT_CHUNK_SIZE,
                    "uploadDate": datetime.now(UTC),
                    "filename": kind,
                    "metadata": {"declaration_id": declaration_id, "kind": kind, **meta},
                }
            )
        except BaseException:
            await self._chunks.delete_many({"files_id": file_id})
            raise
        return str(file_id)

    async def get(self, file_id: str, declaration_id: str, kind: str) -> bytes:
        """One query, for the chunks alone (pymongo's reader first reads the file document:
        two per photo). Completeness needs no `length`: the chunks must be numbered 0..n-1,
        all full but the last, and AES-GCM authenticates the whole blob, so a missing last
        chunk (or a byte changed anywhere) fails `open_bytes`; the caller still checks the
        sha256 of the bytes against its event."""
        chunks = [
            (doc["n"], bytes(doc["data"]))
            async for doc in self._chunks.find(
                {"files_id": ObjectId(file_id)}, {"_id": 0, "n": 1, "data": 1}
            )
        ]
        if not chunks:
            raise ImageNotFoundError(file_id)
        chunks.sort(key=lambda chunk: chunk[0])
        return self._sealer.open_bytes(_joined(file_id, chunks), _aad(declaration_id, kind))

    async def delete(self, file_id: str) -> None:
        """The chunks first, the file document last (the reverse of `put`): a reader, which
        looks at the chunks alone, finds nothing from the moment a deletion starts; a delete
        that died half-way leaves a file document without chunks, which reads as gone and
        goes on the next delete. Two writes, as pymongo's `delete`."""
        oid = ObjectId(file_id)
        await self._chunks.delete_many({"files_id": oid})
        await self._files.delete_one({"_id": oid})


def _joined(file_id: str, chunks: list[tuple[int, bytes]]) -> bytes:
    """The blob of chunks sorted by `n`; a gap, a duplicate or a short chunk before the last
    is a corrupt file (as pymongo's reader says), never a shorter photo."""
    last = len(chunks) - 1
    for at, (n, data) in enumerate(chunks):
        if n != at or not data or (at < last and len(data) != DEFAULT_CHUNK_SIZE):
            raise CorruptGridFile(f"file {file_id}: chunk {at} is missing or has the wrong size")
        if len(data) > DEFAULT_CHUNK_SIZE:
            raise CorruptGridFile(f"file {file_id}: chunk {at} is larger than a chunk")
    return b"".join(data for _, data in chunks)
