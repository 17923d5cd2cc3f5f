"""Data of the old layout (numbers in clear as ids) is re-keyed on start, on real MongoDB."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from vssid_intake.adapters.accounts import AccountStore
from vssid_intake.adapters.registry import RegistryStore
from vssid_intake.adapters.sessions import SessionStore
from vssid_intake.domain.login_policy import SessionPolicy
from vssid_intake.domain.registry import InsuredPerson, match_material
from vssid_shared.crypto import Keys
from vssid_shared.mongo import Doc
from vssid_shared.pii_keys import account_id, registry_id

KEYS = Keys("x" * 40)
SIN = "4890012345"
NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def db(aware_db: AsyncDatabase[Doc]) -> AsyncDatabase[Doc]:
    return aware_db


async def test_old_accounts_registry_rows_and_sessions_are_rekeyed(
    db: AsyncDatabase[Doc],
) -> None:
    person = InsuredPerson(SIN, "Nguyễn Văn Bảo", date(1990, 3, 15), "male", "48")
    material = match_material(person.full_name, person.date_of_birth, person.province_code)
    row = {**person.__dict__, "date_of_birth": "1990-03-15"}
    await db["registry"].insert_one(
        {
            "_id": SIN,
            "match_hash": KEYS.lookup(material),
            "sealed": KEYS.records.seal_json(row, SIN),
        }
    )
    await db["accounts"].insert_one({"_id": SIN, "activated_by": "d-1", "password_hash": "h"})
    await db["sessions"].insert_one({"token_hash": "t", "account": SIN, "created_at": NOW})

    accounts = AccountStore(db, KEYS)
    sessions = SessionStore(db, SessionPolicy(timedelta(minutes=30), timedelta(hours=12)))
    registry = RegistryStore(db, KEYS)
    for _ in range(2):  # a second start (or replica) finds nothing left to do
        await accounts.migrate_clear_ids()
        await sessions.migrate_clear_ids()
        await registry.migrate_clear_ids()

    assert await db["accounts"].find_one({"_id": SIN}) is None
    moved = await accounts.get(account_id(KEYS, SIN))
    assert moved is not None
    assert moved["activated_by"] == "d-1"
    assert await db["sessions"].count_documents({}) == 0
    assert await db["registry"].find_one({"_id": SIN}) is None
    assert await db["registry"].find_one({"_id": registry_id(KEYS, SIN)}) is not None
    [found] = await registry.find(material)
    assert found["social_insurance_number"] == SIN
