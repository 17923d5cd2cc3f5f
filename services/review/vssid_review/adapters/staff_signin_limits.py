"""Failed staff sign-ins, limited per login and per client address (`staff_signin_failures`).

A sign-in is refused (429 with Retry-After) once `max_failures` failures of that login, or
`client_max_failures` from that address across logins, fall in the window; a success clears
the login's count. Keys are keyed hashes; documents expire with the window. The check comes
before argon2 runs, so a locked login costs the server nothing.
"""

from __future__ import annotations

import math
from datetime import datetime

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from vssid_review.domain.staff_credentials import SignInPolicy
from vssid_shared.crypto import KeyedHasher
from vssid_shared.mongo import Doc


class SignInLimits:
    def __init__(self, db: AsyncDatabase[Doc], hasher: KeyedHasher, policy: SignInPolicy):
        self._collection = db["staff_signin_failures"]
        self._hasher = hasher
        self._policy = policy

    async def ensure_indexes(self) -> None:
        await self._collection.create_index([("expires_at", ASCENDING)], expireAfterSeconds=0)

    def _keys(self, login: str, client: str) -> dict[str, int]:
        return {
            self._hasher(f"staff-login:{login}"): self._policy.max_failures,
            self._hasher(f"staff-client:{client}"): self._policy.client_max_failures,
        }

    async def retry_after(self, login: str, client: str, now: datetime) -> int | None:
        """Seconds until a sign-in may be tried again, or None when it may be tried now."""
        since = now - self._policy.window
        wait = 0.0
        for key, limit in self._keys(login, client).items():
            doc = await self._collection.find_one({"_id": key})
            recent = sorted(t for t in (doc or {}).get("at", []) if t > since)
            if len(recent) >= limit:
                oldest_counted = recent[-limit]
                wait = max(wait, (oldest_counted + self._policy.window - now).total_seconds())
        return max(1, math.ceil(wait)) if wait > 0 else None

    async def failed(self, login: str, client: str, now: datetime) -> None:
        for key, limit in self._keys(login, client).items():
            await self._collection.update_one(
                {"_id": key},
                {
                    "$push": {"at": {"$each": [now], "$slice": -limit}},
                    "$set": {"expires_at": now + self._policy.window},
                },
                upsert=True,
            )

    async def succeeded(self, login: str) -> None:
        await self._collection.delete_one({"_id": self._hasher(f"staff-login:{login}")})
