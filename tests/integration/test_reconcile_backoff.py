"""A reconciler's re-emits back off: the next one of a document is due after the period times
2^(attempt-1), so a case that is only slow behind a backlog is not re-sent every period (each
copy adding to the queue it waits in). Real SecantusDB answers the filters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pymongo.asynchronous.database import AsyncDatabase

from vssid_shared import reconcile
from vssid_shared.clock import utc_now
from vssid_shared.envelope import new_event
from vssid_shared.mongo import Doc
from vssid_shared.outbox import PENDING
from vssid_shared.subjects import Event

PERIOD = 60.0
START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


async def test_each_re_emit_waits_twice_as_long_as_the_one_before(
    aware_db: AsyncDatabase[Doc],
) -> None:
    cases = aware_db["cases"]
    await cases.insert_one({"_id": "d1", "status": "verified"})
    event = new_event(
        Event.VERIFIED,
        source="test",
        declaration_id="d1",
        agency_code="4802",
        data={},
        clock=utc_now,
    )

    async def due(now: datetime) -> bool:
        found = await cases.find_one({"_id": "d1", **reconcile.stuck(now, PERIOD, 5)})
        return found is not None

    now, claimed_at = START, []
    while now < START + timedelta(hours=1):
        if await due(now):
            doc = await cases.find_one({"_id": "d1"})
            assert doc is not None
            marked = reconcile.marked(event, reconcile.attempt(doc))
            await cases.update_one({"_id": "d1"}, reconcile.claim(marked, now, PERIOD))
            await cases.update_one({"_id": "d1"}, {"$set": {PENDING: []}})  # relay published
            claimed_at.append((now - START).total_seconds())
        now += timedelta(seconds=15)
    # Never re-emitted: due at once. Then 1, 2, 4 and 8 periods apart; 5 attempts in all.
    assert claimed_at == [0, 60, 180, 420, 900]


async def test_a_document_re_emitted_before_the_backoff_is_due_a_period_after(
    aware_db: AsyncDatabase[Doc],
) -> None:
    """Documents claimed by the earlier code carry `at` and no `due`."""
    cases = aware_db["cases"]
    await cases.insert_one({"_id": "old", "reconcile": {"count": 1, "at": START}})

    async def due(seconds: float) -> bool:
        query = reconcile.stuck(START + timedelta(seconds=seconds), PERIOD, 5)
        return await cases.find_one({"_id": "old", **query}) is not None

    assert not await due(30)
    assert await due(60)
