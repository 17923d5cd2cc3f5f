"""Cases stored before issue 14 are brought to the indexed shape once, on real MongoDB."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection

from vssid.devstack import Stack
from vssid_review.adapters.cases import CaseStore
from vssid_shared.mongo import Doc

OPENED = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
DECIDED = datetime(2026, 2, 6, 2, 0, tzinfo=UTC)


@pytest.fixture
async def store(
    stack: Stack, mongo_db_name: str
) -> AsyncIterator[tuple[CaseStore, AsyncCollection[Doc]]]:
    client: AsyncMongoClient[Doc] = AsyncMongoClient(stack.mongo_url, tz_aware=True)
    try:
        cases = CaseStore(client[mongo_db_name])
        await cases.ensure_indexes()
        yield cases, client[mongo_db_name]["cases"]
    finally:
        await client.close()


def old_case(case_id: str, status: str) -> Doc:
    return {
        "_id": case_id,
        "agency_code": "4802",
        "reference": f"4802-{case_id.upper()}",
        "status": status,
        "opened_at": OPENED,
        "decided_at": DECIDED,
        "deadline": "2026-02-04",
        "audit": [
            {"at": OPENED, "action": "read", "operator": "Nguyễn Văn B"},
            {
                "at": DECIDED,
                "action": "delivery:copy",
                "event_id": f"ev-{case_id}",
                "status": "sent",
            },
            {"at": DECIDED + timedelta(hours=1), "action": "expired", "operator": None},
        ],
    }


async def test_old_cases_are_migrated_once(
    store: tuple[CaseStore, AsyncCollection[Doc]],
) -> None:
    cases, raw = store
    await raw.insert_many([old_case("a1", "expired"), old_case("a2", "verified")])
    assert await cases.migrate_history() == 2
    assert await cases.migrate_filter_keys() == 2  # the queue filters' `warned` and `due_key`
    assert await cases.migrate_filter_keys() == 0
    expired = await raw.find_one({"_id": "a1"})
    assert expired is not None
    assert "audit" not in expired
    assert expired["queue_key"].endswith("|a1")
    assert expired["purge_from"] == DECIDED  # the sweeper's purge index now holds it
    verified = await raw.find_one({"_id": "a2"})
    assert verified is not None
    assert "purge_from" not in verified
    history = await cases.history("a1")
    assert [e["action"] for e in history] == ["read", "delivery:copy", "expired"]
    page = await cases.queue("4802", None, limit=10, after=None)
    assert [c["_id"] for c in page.items] == ["a1", "a2"]

    # Marked done: a restart reads the mark, not every case; and nothing moves twice.
    await raw.update_one({"_id": "a2"}, {"$set": {"audit": [{"at": OPENED}]}})
    assert await cases.migrate_history() == 0
    assert len(await cases.history("a1")) == 3
