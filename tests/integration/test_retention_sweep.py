"""Retention as data, enforced on real MongoDB across the Vietnam-date boundary: a draft kept
30 days goes at 00:00 of the 31st local day (17:00 UTC), not a second before; a closed case's
data key is destroyed the same way, so its sealed copies stop opening."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from tests.support.clock import FrozenClock
from vssid_intake.adapters.declarations import DeclarationStore
from vssid_intake.handlers import discard_stale_drafts
from vssid_review.adapters.cases import CaseStore
from vssid_review.handlers import expire_records, shred_due_cases
from vssid_shared.crypto import Keys
from vssid_shared.images import ImageNotFoundError, ImageVault
from vssid_shared.mongo import Doc
from vssid_shared.retention import Retention, is_due
from vssid_shared.shredding import DataKeyDestroyedError, attach_data_keys

DECLARATION = "7d1e2f30-4a5b-4c6d-8e9f-0a1b2c3d4e5f"
# 2026-03-01 15:00 in Vietnam; day 30 ends at 2026-03-31 23:59:59 local = 16:59:59 UTC.
LAST_SECOND = datetime.fromisoformat("2026-03-31T16:59:59+00:00")
FIRST_SECOND = datetime.fromisoformat("2026-03-31T17:00:00+00:00")


def test_is_due_counts_vietnam_dates() -> None:
    outcome = datetime.fromisoformat("2026-03-01T16:59:00+00:00")  # 23:59 in Vietnam
    assert not is_due(outcome, 1, datetime.fromisoformat("2026-03-02T16:59:59+00:00"))
    assert is_due(outcome, 1, datetime.fromisoformat("2026-03-02T17:00:00+00:00"))
    assert is_due(outcome, 0, outcome)


def _keys(db: AsyncDatabase[Doc]) -> Keys:
    keys = Keys("retention-test-secret")
    attach_data_keys(keys, db, "retention-test-secret")
    return keys


@pytest.mark.asyncio
async def test_a_draft_goes_on_the_first_local_day_after_its_retention(
    aware_db: AsyncDatabase[Doc],
) -> None:
    clock = FrozenClock()
    keys = _keys(aware_db)
    assert keys.data is not None
    await keys.data.create(DECLARATION, clock.now)
    store, vault = DeclarationStore(aware_db, keys), ImageVault(aware_db, keys.images)
    file_id = await vault.put(DECLARATION, "portrait", b"photo bytes", {})
    await aware_db["declarations"].insert_one(
        {
            "_id": DECLARATION,
            "status": "draft",
            "images": {"portrait": {"file_id": file_id}},
            **store.field_set(DECLARATION, {"full_name": "Lê Ngọc Hân"}, clock.now),
        }
    )
    deps = cast(Any, SimpleNamespace(declarations=store, images=vault, keys=keys, clock=clock))
    retention = Retention(draft_days=30)
    assert await discard_stale_drafts(retention, LAST_SECOND, deps=deps) == 0
    assert await store.get(DECLARATION) is not None
    assert await discard_stale_drafts(retention, FIRST_SECOND, deps=deps) == 1
    assert await store.get(DECLARATION) is None
    assert await keys.data.is_destroyed(DECLARATION)
    with pytest.raises(ImageNotFoundError):
        await vault.get(file_id, DECLARATION, "portrait")


@pytest.mark.asyncio
async def test_a_closed_case_is_shredded_when_its_retention_ends(
    aware_db: AsyncDatabase[Doc],
) -> None:
    clock = FrozenClock()
    keys = _keys(aware_db)
    assert keys.data is not None
    await keys.data.create(DECLARATION, clock.now)
    sealed_event = keys.events.seal_json({"full_name": "Lê Ngọc Hân"}, DECLARATION)
    cases = CaseStore(aware_db)
    await aware_db["cases"].insert_one(
        {
            "_id": DECLARATION,
            "status": "rejected",
            "decided_at": clock.now,
            "sealed": keys.records.seal_json({"declaration": {}}, DECLARATION),
        }
    )
    deps = cast(Any, SimpleNamespace(cases=cases, keys=keys))
    retention = Retention(rejected_days=30)
    assert await shred_due_cases(retention, LAST_SECOND, deps=deps) == 0
    assert keys.events.open_json(sealed_event, DECLARATION) == {"full_name": "Lê Ngọc Hân"}
    assert await shred_due_cases(retention, FIRST_SECOND, deps=deps) == 1
    assert await shred_due_cases(retention, FIRST_SECOND + timedelta(days=1), deps=deps) == 0
    other_process = _keys(aware_db)
    assert other_process.data is not None
    await other_process.data.load(DECLARATION)
    with pytest.raises(DataKeyDestroyedError):
        other_process.events.open_json(sealed_event, DECLARATION)
    history = await cases.history(DECLARATION)
    assert [e["action"] for e in history] == ["shredded"]


@pytest.mark.asyncio
async def test_audit_entries_go_on_the_first_local_day_after_their_retention(
    aware_db: AsyncDatabase[Doc],
) -> None:
    cases = CaseStore(aware_db)
    at = FrozenClock().now  # 2026-03-01 15:00 in Vietnam
    await cases.audit(DECLARATION, {"at": at, "action": "read"}, entry_id="a1")
    await cases.delivered(DECLARATION, {"at": at, "event_id": "e1", "action": "delivery:copy"})
    deps = cast(Any, SimpleNamespace(cases=cases, keys=_keys(aware_db)))
    retention = Retention(audit_days=30, deliveries_days=30)
    assert await expire_records(retention, LAST_SECOND, deps=deps) == 0
    assert await expire_records(retention, FIRST_SECOND, deps=deps) == 2
    assert await cases.history(DECLARATION) == []
