"""MongoDB adapter for accounts: password hashes, failure counting, sessions."""

from __future__ import annotations

from datetime import datetime, timedelta

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from vssid_shared.envelope import CloudEvent
from vssid_shared.mongo import Doc
from vssid_shared.outbox import PENDING, pending


class AccountStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self.collection = db["accounts"]
        self.sessions = db["sessions"]
        # Failed logins live apart from accounts, keyed by a keyed hash of the login id: an id
        # with no account is counted and locked out the same way, so 401/429 reveal nothing.
        self.failures = db["login_failures"]

    async def ensure_indexes(self) -> None:
        await self.sessions.create_index([("token_hash", ASCENDING)], unique=True)
        await self.failures.create_index([("expires_at", ASCENDING)], expireAfterSeconds=0)

    async def activate(
        self, sin: str, declaration_id: str, password_hash: str, event: CloudEvent, now: datetime
    ) -> bool:
        """Creates the account, never re-keys one: False when it exists (a redelivered
        `verified`, or an account another declaration activated: see `reissue`)."""
        try:
            await self.collection.insert_one(
                {
                    "_id": sin,
                    "activated_by": declaration_id,
                    # Whose phone and e-mail are the account's registered contact.
                    "contact_from": declaration_id,
                    "password_hash": password_hash,
                    "must_change_password": True,
                    "activated_at": now,
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
        result = await self.collection.update_one(
            {"_id": sin, "activated_by": {"$ne": declaration_id}},
            {
                "$set": {
                    "activated_by": declaration_id,
                    "contact_from": contact_from,
                    "password_hash": password_hash,
                    "must_change_password": True,
                    "reissued_at": now,
                },
                "$push": {PENDING: pending(event)},
            },
        )
        return result.modified_count == 1

    async def get(self, sin: str) -> Doc | None:
        return await self.collection.find_one({"_id": sin}, {PENDING: 0})

    async def recent_failures(self, login_key: str, since: datetime) -> int:
        doc = await self.failures.find_one({"_id": login_key}, {"at": 1})
        return sum(1 for at in (doc or {}).get("at", []) if at >= since)

    async def record_failure(self, login_key: str, now: datetime, keep: timedelta) -> None:
        await self.failures.update_one(
            {"_id": login_key},
            {"$push": {"at": {"$each": [now], "$slice": -20}}, "$set": {"expires_at": now + keep}},
            upsert=True,
        )

    async def clear_failures(self, login_key: str) -> None:
        await self.failures.delete_one({"_id": login_key})

    async def record_success(self, sin: str, token_hash: str, now: datetime) -> None:
        await self.collection.update_one({"_id": sin}, {"$set": {"last_login": now}})
        await self.sessions.insert_one(
            {"token_hash": token_hash, "account": sin, "created_at": now}
        )

    async def set_password(self, sin: str, password_hash: str, now: datetime) -> None:
        await self.collection.update_one(
            {"_id": sin},
            {
                "$set": {
                    "password_hash": password_hash,
                    "must_change_password": False,
                    "password_changed_at": now,
                }
            },
        )
