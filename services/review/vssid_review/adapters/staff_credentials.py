"""An operator's sign-in credentials: an argon2id password hash and a sealed TOTP secret.

They live on the operator's own document (collection `operators`), next to the bearer token
hash API clients use. The TOTP secret is sealed with the records key (AAD: the operator id),
so a database dump alone yields no second factor.
"""

from __future__ import annotations

import pyotp
from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from vssid_review.domain.cases import Operator
from vssid_review.domain.staff_credentials import Enrolment, hash_password, new_password
from vssid_review.domain.staff_sessions import Credential
from vssid_shared.crypto import Sealer
from vssid_shared.mongo import Doc


class CredentialStore:
    """Sign-in fields of the `operators` collection (indexed by login)."""

    def __init__(self, db: AsyncDatabase[Doc], sealer: Sealer) -> None:
        self._collection = db["operators"]
        self._sealer = sealer

    async def ensure_indexes(self) -> None:
        # Partial: operators created before sign-in existed have no login and stay API-only.
        await self._collection.create_index(
            [("login", ASCENDING)],
            unique=True,
            name="login_unique",
            partialFilterExpression={"login": {"$type": "string"}},
        )

    async def enrol(self, operator_id: str, login: str) -> Enrolment:
        enrolment = Enrolment(login, new_password(), pyotp.random_base32())
        await self._collection.update_one(
            {"_id": operator_id},
            {
                "$set": {
                    "login": login,
                    "password_hash": hash_password(enrolment.password),
                    "totp_sealed": self._sealer.seal_json(enrolment.totp_secret, operator_id),
                    "totp_last_step": None,
                }
            },
        )
        return enrolment

    async def by_login(self, login: str) -> Credential | None:
        """An active operator's credential by login."""
        doc = await self._collection.find_one({"login": login, "active": True})
        if doc is None:
            return None
        return Credential(
            Operator(doc["_id"], doc["name"], doc["agency_code"]),
            doc.get("password_hash"),
            doc.get("totp_sealed"),
            doc.get("totp_last_step"),
        )

    async def login_taken(self, login: str) -> bool:
        """Whether any operator, disabled ones included, has this login (it is unique)."""
        return await self._collection.find_one({"login": login}, {"_id": 1}) is not None

    def totp_secret(self, credential: Credential) -> str:
        if credential.totp_sealed is None:
            raise ValueError("no TOTP secret enrolled")  # callers check before asking
        secret: str = self._sealer.open_json(credential.totp_sealed, credential.operator.id)
        return secret

    async def use_step(self, operator_id: str, step: int) -> bool:
        """Records the step a code was accepted in; False when a concurrent sign-in took it."""
        result = await self._collection.update_one(
            {
                "_id": operator_id,
                "$or": [{"totp_last_step": None}, {"totp_last_step": {"$lt": step}}],
            },
            {"$set": {"totp_last_step": step}},
        )
        return result.modified_count == 1
