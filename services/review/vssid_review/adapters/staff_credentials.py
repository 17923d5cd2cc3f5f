"""An operator's sign-in credentials: an argon2id password hash and a sealed TOTP secret.

They live on the operator's own document (collection `operators`), next to the bearer token
hash API clients use. The TOTP secret is sealed with the records key (AAD: the operator id),
so a database dump alone yields no second factor.
"""

from __future__ import annotations

import pyotp
from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from vssid_review.domain.staff_credentials import Enrolment, hash_password, new_password
from vssid_shared.crypto import Sealer
from vssid_shared.mongo import Doc


class CredentialStore:
    """Sign-in fields of the `operators` collection (indexed by login)."""

    def __init__(self, db: AsyncDatabase[Doc], sealer: Sealer) -> None:
        self.collection = db["operators"]
        self.sealer = sealer

    async def ensure_indexes(self) -> None:
        # Partial: operators created before sign-in existed have no login and stay API-only.
        await self.collection.create_index(
            [("login", ASCENDING)],
            unique=True,
            name="login_unique",
            partialFilterExpression={"login": {"$type": "string"}},
        )

    async def enrol(self, operator_id: str, login: str) -> Enrolment:
        enrolment = Enrolment(login, new_password(), pyotp.random_base32())
        await self.collection.update_one(
            {"_id": operator_id},
            {
                "$set": {
                    "login": login,
                    "password_hash": hash_password(enrolment.password),
                    "totp_sealed": self.sealer.seal_json(enrolment.totp_secret, operator_id),
                    "totp_last_step": None,
                }
            },
        )
        return enrolment

    async def by_login(self, login: str) -> Doc | None:
        return await self.collection.find_one({"login": login, "active": True})

    def totp_secret(self, doc: Doc) -> str:
        secret: str = self.sealer.open_json(doc["totp_sealed"], doc["_id"])
        return secret

    async def use_step(self, operator_id: str, step: int) -> bool:
        """Records the step a code was accepted in; False when a concurrent sign-in took it."""
        result = await self.collection.update_one(
            {
                "_id": operator_id,
                "$or": [{"totp_last_step": None}, {"totp_last_step": {"$lt": step}}],
            },
            {"$set": {"totp_last_step": step}},
        )
        return result.modified_count == 1
