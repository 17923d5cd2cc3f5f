"""MongoDB adapter for the registry: sealed records found by a keyed hash of the match key."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from pymongo import ASCENDING, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from vssid_intake.registry import InsuredPerson, match_material
from vssid_shared.crypto import Keys
from vssid_shared.jsonable import to_jsonable
from vssid_shared.mongo import Doc


class RegistryStore:
    def __init__(self, db: AsyncDatabase[Doc], keys: Keys) -> None:
        self.collection = db["registry"]
        self._keys = keys

    async def ensure_indexes(self) -> None:
        await self.collection.create_index([("match_hash", ASCENDING)])

    def _doc(self, person: InsuredPerson) -> Doc:
        material = match_material(person.full_name, person.date_of_birth, person.province_code)
        return {
            "match_hash": self._keys.lookup(material),
            "sealed": self._keys.records.seal_json(
                to_jsonable(asdict(person)), person.social_insurance_number
            ),
        }

    async def upsert_many(self, people: list[InsuredPerson]) -> int:
        """Idempotent: re-importing the same file rewrites the same records."""
        if not people:
            return 0
        ops = [
            UpdateOne({"_id": p.social_insurance_number}, {"$set": self._doc(p)}, upsert=True)
            for p in people
        ]
        result = await self.collection.bulk_write(ops, ordered=False)
        return result.upserted_count + result.modified_count

    async def find(self, material: str, limit: int = 5) -> list[dict[str, Any]]:
        cursor = self.collection.find({"match_hash": self._keys.lookup(material)}).limit(limit)
        found = []
        async for doc in cursor:
            found.append(self._keys.records.open_json(doc["sealed"], doc["_id"]))
        return found

    async def by_number(self, social_insurance_number: str) -> dict[str, Any] | None:
        """The registry's person for a social-insurance number, opened; None when unknown."""
        doc = await self.collection.find_one({"_id": social_insurance_number})
        if doc is None:
            return None
        found: dict[str, Any] = self._keys.records.open_json(doc["sealed"], doc["_id"])
        return found
