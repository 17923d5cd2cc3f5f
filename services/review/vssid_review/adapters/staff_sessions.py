"""Browser sessions of office staff, held server-side (collection `staff_sessions`).

The cookie carries a random 256-bit id; only its SHA-256 is stored, so a database reader
cannot ride a session. Each session has its own CSRF token (the double-submit value the page
sends back in `X-CSRF-Token`), an idle deadline pushed forward on use, and an absolute end.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from vssid_review.domain.staff_sessions import StaffSession, StaffSessionPolicy
from vssid_shared.crypto import new_token, token_hash
from vssid_shared.mongo import Doc

# Touching a session costs a write: at most once per this long per session.
TOUCH_EVERY = timedelta(seconds=30)


class SessionStore:
    def __init__(self, db: AsyncDatabase[Doc], policy: StaffSessionPolicy) -> None:
        self._collection = db["staff_sessions"]
        self._idle = policy.idle
        self._lifetime = policy.lifetime

    async def ensure_indexes(self) -> None:
        await self._collection.create_index([("ends_at", ASCENDING)], expireAfterSeconds=0)
        await self._collection.create_index([("operator_id", ASCENDING)])

    async def open(self, operator_id: str, now: datetime) -> tuple[str, StaffSession]:
        sid = new_token()
        session = StaffSession(operator_id, secrets.token_urlsafe(32))
        await self._collection.insert_one(
            {
                "_id": token_hash(sid),
                "operator_id": operator_id,
                "csrf": session.csrf_token,
                "created_at": now,
                "seen_at": now,
                "idle_until": now + self._idle,
                "ends_at": now + self._lifetime,
            }
        )
        return sid, session

    async def current(self, sid: str, now: datetime) -> StaffSession | None:
        """The live session of this cookie value, its idle deadline moved on; else None."""
        key = token_hash(sid)
        live = {"_id": key, "idle_until": {"$gt": now}, "ends_at": {"$gt": now}}
        doc = await self._collection.find_one(live)
        if doc is None:
            return None
        if now - doc["seen_at"] >= TOUCH_EVERY:
            # update_one, not findAndModify: SecantusDB answers that by reading the whole
            # collection, so every request would cost more with every session kept.
            result = await self._collection.update_one(
                live,
                {"$set": {"seen_at": now, "idle_until": min(now + self._idle, doc["ends_at"])}},
            )
            if result.matched_count == 0:
                return None
        return StaffSession(doc["operator_id"], doc["csrf"])

    async def close(self, sid: str) -> None:
        await self._collection.delete_one({"_id": token_hash(sid)})

    async def close_all(self, operator_id: str) -> int:
        result = await self._collection.delete_many({"operator_id": operator_id})
        return result.deleted_count
