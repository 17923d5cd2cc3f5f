"""MongoDB adapter for accounts: password hashes, keyed by a keyed HMAC of the number.

`_id` is `pii_keys.account_id(keys, sin)`: the social-insurance number never reaches MongoDB
(nor its oplog). Failed-login counters live in `login_limits` (see `login_limits.py`), sessions
in `sessions` (see `adapters/sessions.py`).
"""

from __future__ import annotations

import contextlib
from datetime import datetime

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from vssid_shared.crypto import Keys
from vssid_shared.envelope import CloudEvent
from vssid_shared.mongo import Doc
from vssid_shared.outbox import PENDING, pending
from vssid_shared.pii_keys import account_id

CLEAR_SIN = {"$regex": r"^\d{10}$"}
COLLECTION = "accounts"  # also an outbox the relay drains
ACTIVATION = "activated_event"


class AccountStore:
    def __init__(self, db: AsyncDatabase[Doc], keys: Keys) -> None:
        self._collection = db[COLLECTION]
        self._keys = keys

    def key(self, sin: str) -> str:
        """The account's document id for a social-insurance number."""
        return account_id(self._keys, sin)

    async def ensure_indexes(self) -> None:
        """Nothing beyond `_id`; kept so the composition root treats every store alike."""

    async def migrate_clear_ids(self) -> int:
        """Re-keys accounts written before ids were keyed HMACs (`_id` = the number in clear)."""
        moved = 0
        async for doc in self._collection.find({"_id": CLEAR_SIN}):
            new_id = self.key(doc["_id"])
            # A duplicate: another replica moved it first, or a newer activation exists.
            with contextlib.suppress(DuplicateKeyError):
                await self._collection.insert_one({**doc, "_id": new_id})
            await self._collection.delete_one({"_id": doc["_id"]})
            moved += 1
        return moved

    async def activate(
        self, sin: str, declaration_id: str, password_hash: str, event: CloudEvent, now: datetime
    ) -> bool:
        """Creates the account, never re-keys one: False when it exists (a redelivered
        `verified`, or an account another declaration activated: see `reissue`)."""
        try:
            await self._collection.insert_one(
                {
                    "_id": self.key(sin),
                    "activated_by": declaration_id,
                    # Whose phone and e-mail are the account's registered contact.
                    "contact_from": declaration_id,
                    "password_hash": password_hash,
                    "must_change_password": True,
                    "activated_at": now,
                    # Kept to heal a lost event (see `account_handlers`); unset on a new
                    # password.
                    ACTIVATION: pending(event),
                    PENDING: [pending(event)],
                }
            )
        except DuplicateKeyError:
            return False
        return True

    async def reissue(
        self,
        sin: str,
        declaration_id: str,
        contact_from: str,
        password_hash: str,
        event: CloudEvent,
        now: datetime,
    ) -> bool:
        """The clerk's explicit re-issue: a new initial password for an existing account, once
        per declaration; the registered contact (`contact_from`) stays the owner's."""
        result = await self._collection.update_one(
            {"_id": self.key(sin), "activated_by": {"$ne": declaration_id}},
            {
                "$set": {
                    "activated_by": declaration_id,
                    "contact_from": contact_from,
                    "password_hash": password_hash,
                    "must_change_password": True,
                    "reissued_at": now,
                    ACTIVATION: pending(event),
                },
                "$push": {PENDING: pending(event)},
            },
        )
        return result.modified_count == 1

    async def get(self, key: str) -> Doc | None:
        """The account with this document id (`key(sin)`), without its outbox."""
        return await self._collection.find_one({"_id": key}, {PENDING: 0, ACTIVATION: 0})

    async def activation_event(self, key: str, declaration_id: str) -> Doc | None:
        """The `account_activated` this declaration's activation (or re-issue) queued."""
        doc = await self._collection.find_one(
            {"_id": key, "activated_by": declaration_id}, {ACTIVATION: 1}
        )
        found: Doc | None = (doc or {}).get(ACTIVATION)
        return found

    async def requeue(self, key: str, declaration_id: str, event: CloudEvent) -> bool:
        result = await self._collection.update_one(
            {"_id": key, "activated_by": declaration_id, ACTIVATION: {"$exists": True}},
            {"$push": {PENDING: pending(event)}},
        )
        return result.modified_count == 1

    async def record_login(self, key: str, now: datetime) -> None:
        await self._collection.update_one({"_id": key}, {"$set": {"last_login": now}})

    async def set_password(self, key: str, password_hash: str, now: datetime) -> None:
        await self._collection.update_one(
            {"_id": key},
            {
                "$set": {
                    "password_hash": password_hash,
                    "must_change_password": False,
                    "password_changed_at": now,
                },
                "$unset": {ACTIVATION: ""},
            },
        )
