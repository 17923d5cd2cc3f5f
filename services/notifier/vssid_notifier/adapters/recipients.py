"""MongoDB adapter for recipients: what the notifier kept from `submitted`, one per declaration."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from vssid_shared.mongo import Doc

COLLECTION = "recipients"


class RecipientStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._collection = db[COLLECTION]

    async def keep(self, declaration_id: str, record: dict[str, Any]) -> None:
        # The same record from every copy of `submitted` (a redelivery, a reconciler's).
        await self._collection.update_one({"_id": declaration_id}, {"$set": record}, upsert=True)

    async def get(self, declaration_id: str) -> dict[str, Any] | None:
        return await self._collection.find_one({"_id": declaration_id})

    async def forget(self, declaration_id: str) -> None:
        """The declaration was withdrawn: its recipient (sealed, unreadable by now) goes."""
        await self._collection.delete_one({"_id": declaration_id})
