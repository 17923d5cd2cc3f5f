"""Office operators: bearer tokens stored hashed, each bound to one agency."""

from __future__ import annotations

import uuid
from datetime import datetime

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from vssid_review.domain.cases import Operator
from vssid_shared.crypto import new_token, token_hash
from vssid_shared.mongo import Doc


class OperatorStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._collection = db["operators"]

    async def ensure_indexes(self) -> None:
        await self._collection.create_index([("token_hash", ASCENDING)], unique=True)

    async def add(self, name: str, agency_code: str, now: datetime) -> tuple[Operator, str]:
        token = new_token()
        op = Operator(str(uuid.uuid4()), name, agency_code)
        await self._collection.insert_one(
            {
                "_id": op.id,
                "name": name,
                "agency_code": agency_code,
                "token_hash": token_hash(token),
                "active": True,
                "created_at": now,
            }
        )
        return op, token

    async def by_token(self, token: str) -> Operator | None:
        # By the hash alone (its unique index answers it), then whether the operator is active.
        doc = await self._collection.find_one({"token_hash": token_hash(token)})
        if doc is None or doc.get("active") is not True:
            return None
        return Operator(doc["_id"], doc["name"], doc["agency_code"])

    async def active(self, operator_id: str) -> Operator | None:
        """The operator if still active (a session cookie's owner)."""
        doc = await self._collection.find_one({"_id": operator_id, "active": True})
        return Operator(doc["_id"], doc["name"], doc["agency_code"]) if doc else None

    async def is_active(self, operator_id: str) -> bool:
        """Cheap re-check (by _id, one field) for long-lived requests such as the event stream;
        False when MongoDB cannot answer (fail closed: the client reconnects and is asked
        again)."""
        try:
            doc = await self._collection.find_one({"_id": operator_id, "active": True}, {"_id": 1})
        except PyMongoError:
            return False
        return doc is not None

    async def list(self) -> list[Doc]:
        return await self._collection.find({}, {"token_hash": 0}).sort("created_at").to_list(None)

    async def disable(self, operator_id: str) -> bool:
        result = await self._collection.update_one(
            {"_id": operator_id}, {"$set": {"active": False}}
        )
        return result.matched_count == 1
