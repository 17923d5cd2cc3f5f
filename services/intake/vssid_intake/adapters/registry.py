"""MongoDB adapter for the registry: sealed records found by a keyed hash of the match key.

The id is a keyed HMAC of the social-insurance number (`pii_keys.registry_id`), never the number.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from pymongo import ASCENDING, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from vssid_intake.domain.registry import InsuredPerson, match_material
from vssid_shared.crypto import Keys
from vssid_shared.jsonable import to_jsonable
from vssid_shared.mongo import Doc
from vssid_shared.pii_keys import registry_id


class RegistryStore:
    def __init__(self, db: AsyncDatabase[Doc], keys: Keys) -> None:
        self._collection = db["registry"]
        self._keys = keys

    async def ensure_indexes(self) -> None:
        await self._collection.create_index([("match_hash", ASCENDING)])

    def _id(self, person: InsuredPerson) -> str:
        return registry_id(self._keys, person.social_insurance_number)

    def _doc(self, person: InsuredPerson) -> Doc:
        material = match_material(person.full_name, person.date_of_birth, person.province_code)
        return {
            "match_hash": self._keys.lookup(material),
            # Bound to the keyed id: a sealed row cannot be moved under another person's id.
            "sealed": self._keys.records.seal_json(to_jsonable(asdict(person)), self._id(person)),
        }

    async def upsert_many(self, people: list[InsuredPerson]) -> int:
        """Idempotent: re-importing the same file rewrites the same records."""
        if not people:
            return 0
        ops = [UpdateOne({"_id": self._id(p)}, {"$set": self._doc(p)}, upsert=True) for p in people]
        result = await self._collection.bulk_write(ops, ordered=False)
        return result.upserted_count + result.modified_count

    async def find(self, material: str, limit: int = 5) -> list[dict[str, Any]]:
        cursor = self._collection.find({"match_hash": self._keys.lookup(material)}).limit(limit)
        found = []
        async for doc in cursor:
            found.append(self._keys.records.open_json(doc["sealed"], doc["_id"]))
        return found

    async def migrate_clear_ids(self) -> int:
        """Re-keys rows written before ids were keyed HMACs (`_id` = the number in clear).

        Each old row is opened with its old id, sealed again under the keyed id and the old one
        deleted; safe to run on every start and by several replicas (upserts, then deletes).
        """
        moved = 0
        async for doc in self._collection.find({"_id": {"$regex": r"^\d{10}$"}}):
            row = self._keys.records.open_json(doc["sealed"], doc["_id"])
            new_id = registry_id(self._keys, doc["_id"])
            sealed = self._keys.records.seal_json(row, new_id)
            await self._collection.update_one(
                {"_id": new_id},
                {"$setOnInsert": {"match_hash": doc["match_hash"], "sealed": sealed}},
                upsert=True,
            )
            await self._collection.delete_one({"_id": doc["_id"]})
            moved += 1
        return moved

    async def by_number(self, social_insurance_number: str) -> dict[str, Any] | None:
        """The registry's person for a social-insurance number, opened; None when unknown."""
        key = registry_id(self._keys, social_insurance_number)
        doc = await self._collection.find_one({"_id": key})
        if doc is None:
            return None
        found: dict[str, Any] = self._keys.records.open_json(doc["sealed"], doc["_id"])
        return found
