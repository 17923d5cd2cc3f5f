"""Claim-check image storage: encrypted blobs in GridFS, referenced by id and sha256 in events."""

from __future__ import annotations

from typing import Any

from bson import ObjectId
from gridfs import AsyncGridFSBucket
from gridfs.errors import NoFile
from pymongo.asynchronous.database import AsyncDatabase

from vssid_shared.crypto import Sealer
from vssid_shared.mongo import Doc

BUCKET = "images"


class ImageNotFoundError(LookupError):
    pass


def _aad(declaration_id: str, kind: str) -> str:
    return f"{declaration_id}/{kind}"


class ImageVault:
    """Images are sensitive personal data: stored only as AES-GCM ciphertext, bound to their use."""

    def __init__(self, db: AsyncDatabase[Doc], sealer: Sealer) -> None:
        self._bucket = AsyncGridFSBucket(db, bucket_name=BUCKET)
        self._sealer = sealer

    async def put(self, declaration_id: str, kind: str, data: bytes, meta: dict[str, Any]) -> str:
        blob = self._sealer.seal_bytes(data, _aad(declaration_id, kind))
        metadata = {"declaration_id": declaration_id, "kind": kind, **meta}
        file_id = await self._bucket.upload_from_stream(kind, blob, metadata=metadata)
        return str(file_id)

    async def get(self, file_id: str, declaration_id: str, kind: str) -> bytes:
        try:
            stream = await self._bucket.open_download_stream(ObjectId(file_id))
        except NoFile as exc:
            raise ImageNotFoundError(file_id) from exc
        blob = await stream.read()
        return self._sealer.open_bytes(blob, _aad(declaration_id, kind))

    async def delete(self, file_id: str) -> None:
        try:
            await self._bucket.delete(ObjectId(file_id))
        except NoFile:
            return
