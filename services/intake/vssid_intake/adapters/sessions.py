"""Login sessions: a token hash per session, with idle and absolute expiry (OWASP Session
Management). A session is valid while `now` is before both its absolute deadline and its idle
deadline; each use moves the idle deadline, never past the absolute one. The TTL index removes
dead sessions; validity never depends on it (MongoDB's TTL monitor runs only once a minute)."""

from __future__ import annotations

from datetime import datetime

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from vssid_intake.domain.login_policy import SessionPolicy
from vssid_shared.mongo import Doc

CLEAR_SIN = {"$regex": r"^\d{10}$"}


class SessionStore:
    def __init__(self, db: AsyncDatabase[Doc], policy: SessionPolicy) -> None:
        self._collection = db["sessions"]
        self.policy = policy

    async def ensure_indexes(self) -> None:
        await self._collection.create_index([("token_hash", ASCENDING)], unique=True)
        await self._collection.create_index([("account", ASCENDING)])
        await self._collection.create_index([("idle_expires_at", ASCENDING)], expireAfterSeconds=0)

    async def migrate_clear_ids(self) -> int:
        """Sessions of the old layout named the account by its number: they are simply ended."""
        legacy = {"$or": [{"account": CLEAR_SIN}, {"expires_at": {"$exists": False}}]}
        result = await self._collection.delete_many(legacy)
        return result.deleted_count

    async def open(self, token_hash: str, account: str, now: datetime) -> datetime:
        """A new session for `account` (its document id); returns its absolute deadline."""
        deadline = now + self.policy.absolute
        await self._collection.insert_one(
            {
                "token_hash": token_hash,
                "account": account,
                "created_at": now,
                "expires_at": deadline,
                "idle_expires_at": self.policy.idle_deadline(now, deadline),
            }
        )
        return deadline

    async def touch(self, token_hash: str, now: datetime) -> Doc | None:
        """The live session for this token, its idle deadline moved on; None when expired,
        revoked or unknown. The update is conditional on the idle deadline being still ahead,
        so a session that expired between the read and the write is never revived."""
        doc = await self._collection.find_one(
            {"token_hash": token_hash, "expires_at": {"$gt": now}, "idle_expires_at": {"$gt": now}}
        )
        if doc is None:
            return None
        moved = self.policy.idle_deadline(now, doc["expires_at"])
        # update_one, not findAndModify: SecantusDB answers that by reading the whole
        # collection, so every signed-in request would cost more with every session kept.
        result = await self._collection.update_one(
            {"_id": doc["_id"], "idle_expires_at": {"$gt": now}},
            {"$max": {"idle_expires_at": moved}, "$set": {"last_seen": now}},
        )
        if result.matched_count == 0:
            return None
        return {**doc, "idle_expires_at": max(doc["idle_expires_at"], moved), "last_seen": now}

    async def close(self, token_hash: str) -> None:
        await self._collection.delete_one({"token_hash": token_hash})

    async def revoke_all(self, account: str) -> int:
        """Ends every session of the account (after a password change)."""
        result = await self._collection.delete_many({"account": account})
        return result.deleted_count
