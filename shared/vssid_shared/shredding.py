"""Crypto-shredding: one data key per declaration, wrapped by the service key.

Every sealed copy of a declaration's personal data (MongoDB documents, GridFS images, the
`sealed` parts of events in stream history, backups of any of them) is encrypted under that
declaration's own data key. Destroying the one wrapped key in `data_keys` makes all of them
unreadable at once: a stream's history cannot be edited, but it can be made meaningless.

Sealing stays synchronous (the existing `Sealer` interface): each hop loads the declaration's
key once (`load_key`, one MongoDB read and one unwrap) into a short-lived per-process cache,
and the sealers find it there by the record id they already bind as associated data. Data
sealed before this module (no prefix) keeps opening with the service key: the key-less legacy
path, so nothing written earlier becomes unreadable.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bson import Binary
from cryptography.exceptions import InvalidTag
from pymongo import MongoClient
from pymongo.asynchronous.database import AsyncDatabase

from vssid_shared.crypto import Keys, Sealer, derive_key
from vssid_shared.data_keys import (
    DataKeyDestroyedError,
    DataKeyNotLoadedError,
    create_key,
    destroy_key,
    load_key,
    service_sealer,
)

log = logging.getLogger(__name__)

COLLECTION = "data_keys"
JSON_PREFIX = "dk1:"  # ':' is outside base64's alphabet: never the start of a legacy blob
BLOB_MAGIC = b"\x00dk1"
CACHE_SECONDS = 30.0  # how long another process may still use a key destroyed elsewhere
CACHE_SIZE = 20_000
_DESTROYED = b""
_ABSENT = b"-"  # a declaration from before data keys (or an id that is no declaration)
_DECLARATION_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _owner(aad: str) -> str:
    """Records bind the declaration id, images `<declaration id>/<kind>`."""
    return aad.split("/", 1)[0]


class DataKeyCache:
    """Declaration id → its data key (or the mark of a destroyed one), bounded, short-lived."""

    def __init__(self) -> None:
        self._entries: OrderedDict[str, tuple[bytes, float]] = OrderedDict()
        # A path that opens data sealed under a data key without `load_key` first: read the
        # key synchronously (rare, logged) rather than fail.
        self.on_miss: Callable[[str], None] | None = None

    def put(self, declaration_id: str, key: bytes) -> None:
        self._entries[declaration_id] = (key, time.monotonic())
        self._entries.move_to_end(declaration_id)
        while len(self._entries) > CACHE_SIZE:
            self._entries.popitem(last=False)

    def forget(self, declaration_id: str) -> None:
        self._entries.pop(declaration_id, None)

    def fresh(self, declaration_id: str) -> bool:
        entry = self._entries.get(declaration_id)
        return entry is not None and time.monotonic() - entry[1] < CACHE_SECONDS

    def get(self, declaration_id: str, *, read_on_miss: bool = False) -> bytes | None:
        """The key, `_DESTROYED`, or None for a declaration without one (legacy).

        Only opening data sealed under a data key reads on a miss: sealing for an id never
        loaded (an autofill upload, an account) uses the service key, as before data keys.
        """
        entry = self._entries.get(declaration_id)
        if (
            entry is None
            and read_on_miss
            and self.on_miss
            and _DECLARATION_ID.fullmatch(declaration_id)
        ):
            self.on_miss(declaration_id)
            entry = self._entries.get(declaration_id)
        if entry is None or entry[0] == _ABSENT:
            return None
        return entry[0]


class ShreddingSealer(Sealer):
    """A `Sealer` that seals under the declaration's data key when one is loaded."""

    def __init__(self, legacy: Sealer, cache: DataKeyCache, purpose: str) -> None:
        self._legacy = legacy
        self._cache = cache
        self._purpose = purpose
        self._derived: dict[bytes, Sealer] = {}

    @property
    def legacy(self) -> Sealer:
        return self._legacy

    def _sealer(self, key: bytes) -> Sealer:
        # One sub-key per purpose (records, images, events ...), as for the service key.
        if (found := self._derived.get(key)) is None:
            if len(self._derived) > CACHE_SIZE:
                self._derived.clear()
            found = self._derived[key] = Sealer(derive_key(key.hex(), self._purpose))
        return found

    def seal_bytes(self, plain: bytes, aad: str) -> bytes:
        key = self._cache.get(_owner(aad))
        if key == _DESTROYED:
            raise DataKeyDestroyedError(_owner(aad))
        if key is None:
            return self._legacy.seal_bytes(plain, aad)
        return BLOB_MAGIC + self._sealer(key).seal_bytes(plain, aad)

    def open_bytes(self, blob: bytes, aad: str) -> bytes:
        if not blob.startswith(BLOB_MAGIC):
            return self._legacy.open_bytes(blob, aad)
        key = self._cache.get(_owner(aad), read_on_miss=True)
        if key == _DESTROYED:
            raise DataKeyDestroyedError(_owner(aad))
        if key is None:
            raise DataKeyNotLoadedError(_owner(aad))  # no record of a key: not ours
        try:
            return self._sealer(key).open_bytes(blob[len(BLOB_MAGIC) :], aad)
        except InvalidTag:
            # One legacy blob in 2**32 starts with the magic by chance.
            return self._legacy.open_bytes(blob, aad)

    def seal_json(self, value: Any, aad: str) -> str:
        plain = json.dumps(value, ensure_ascii=False, default=str).encode()
        blob = self.seal_bytes(plain, aad)
        if not blob.startswith(BLOB_MAGIC):
            return base64.b64encode(blob).decode()
        return JSON_PREFIX + base64.b64encode(blob[len(BLOB_MAGIC) :]).decode()

    def open_json(self, sealed: str, aad: str) -> Any:
        if not sealed.startswith(JSON_PREFIX):
            return self._legacy.open_json(sealed, aad)
        blob = BLOB_MAGIC + base64.b64decode(sealed[len(JSON_PREFIX) :])
        return json.loads(self.open_bytes(blob, aad))


class DataKeys:
    """The `data_keys` collection: one wrapped key per declaration, destroyed to shred."""

    def __init__(
        self,
        db: AsyncDatabase[Any],
        secret: str,
        cache: DataKeyCache,
        mongo_url: str | None = None,
    ) -> None:
        self.collection = db[COLLECTION]
        self._wrap = Sealer(derive_key(secret, "data-key-wrapping"))
        self.cache = cache
        self._url, self._db_name = mongo_url, db.name
        self._blocking: MongoClient[Any] | None = None
        if mongo_url:
            cache.on_miss = self._load_blocking
        _RINGS.add(self)

    def close(self) -> None:
        """Out of `preload`'s rings before the service's client closes: a ring on a closed
        client would fail every subscriber still in the process (tests run several services'
        roots in one process, one after another)."""
        _RINGS.discard(self)
        if self._blocking is not None:
            self._blocking.close()
            self._blocking = None

    def _remember(self, declaration_id: str, doc: dict[str, Any] | None) -> None:
        if doc is None:
            self.cache.put(declaration_id, _ABSENT)
        elif doc.get("wrapped") is None:
            self.cache.put(declaration_id, _DESTROYED)
        else:
            self.cache.put(declaration_id, self._wrap.open_bytes(doc["wrapped"], declaration_id))

    def _load_blocking(self, declaration_id: str) -> None:
        log.warning("data key read without load_key first", extra={"declaration": declaration_id})
        if self._blocking is None:
            self._blocking = MongoClient(self._url, serverSelectionTimeoutMS=2500)
        self._remember(
            declaration_id,
            self._blocking[self._db_name][COLLECTION].find_one({"_id": declaration_id}),
        )

    async def create(self, declaration_id: str, now: datetime) -> None:
        """A fresh key for a new declaration (idempotent: the first writer's key wins)."""
        key = os.urandom(32)
        wrapped = self._wrap.seal_bytes(key, declaration_id)
        result = await self.collection.update_one(
            {"_id": declaration_id},
            {"$setOnInsert": {"wrapped": Binary(wrapped), "created_at": now}},
            upsert=True,
        )
        if result.upserted_id is not None:
            # This write stored the key: it is known here, no read back (issue 13).
            self.cache.put(declaration_id, key)
            return
        self.cache.forget(declaration_id)  # an earlier writer's key (or tombstone) wins
        await self.load(declaration_id)

    async def load(self, declaration_id: str) -> None:
        """One read and one unwrap per hop; a key read in the last seconds is reused."""
        if self.cache.fresh(declaration_id):
            return
        self._remember(declaration_id, await self.collection.find_one({"_id": declaration_id}))

    async def destroy(self, declaration_id: str, reason: str, now: datetime) -> bool:
        """Shreds: the wrapped key goes, a tombstone (no key material) says when and why."""
        result = await self.collection.update_one(
            {"_id": declaration_id, "wrapped": {"$exists": True}},
            {"$unset": {"wrapped": ""}, "$set": {"destroyed_at": now, "reason": reason}},
        )
        self.cache.put(declaration_id, _DESTROYED)
        return result.modified_count == 1

    async def is_destroyed(self, declaration_id: str) -> bool:
        await self.load(declaration_id)
        return self.cache.get(declaration_id) == _DESTROYED


_RINGS: weakref.WeakSet[DataKeys] = weakref.WeakSet()


def attach_data_keys(
    keys: Keys, db: AsyncDatabase[Any], secret: str, mongo_url: str | None = None
) -> DataKeys:
    """Makes a service's sealers per-declaration; called once by `Runtime.create`."""
    cache = DataKeyCache()
    keys.records = ShreddingSealer(keys.records, cache, "records-at-rest")
    keys.images = ShreddingSealer(keys.images, cache, "images-at-rest")
    keys.events = ShreddingSealer(keys.events, cache, "event-payloads")
    keys.passwords = ShreddingSealer(keys.passwords, cache, "initial-password-to-notifier")
    keys.data = DataKeys(db, secret, cache, mongo_url)
    return keys.data


def rings() -> list[DataKeys]:
    """The data-key stores `preload` loads into: one per composition root in this process."""
    return list(_RINGS)


async def preload(declaration_id: str) -> None:
    """Before a subscriber's handler: the event's declaration key, in every ring here."""
    for ring in rings():
        await ring.load(declaration_id)


__all__ = [
    "DataKeyDestroyedError",
    "DataKeyNotLoadedError",
    "DataKeys",
    "attach_data_keys",
    "create_key",
    "destroy_key",
    "load_key",
    "preload",
    "rings",
    "service_sealer",
]
