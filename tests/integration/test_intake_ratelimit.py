"""The lookup rate limit on real MongoDB: shared by replicas, sliding, hashed client keys."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from vssid.devstack import Stack
from vssid_intake.ratelimit import RateLimiter
from vssid_shared.crypto import Keys
from vssid_shared.mongo import Doc

KEYS = Keys("x" * 40)
START = datetime(2026, 3, 1, 8, 0, 0, tzinfo=UTC)


class FrozenClock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def db(stack: Stack, mongo_db_name: str) -> AsyncIterator[AsyncDatabase[Doc]]:
    client: AsyncMongoClient[Doc] = AsyncMongoClient(stack.mongo_url)
    try:
        yield client[mongo_db_name]
    finally:
        await client.close()


async def test_replicas_share_one_sliding_limit(db: AsyncDatabase[Doc]) -> None:
    clock = FrozenClock()
    first, second = (RateLimiter(db["rate_limits"], KEYS.lookup, clock, 3) for _ in range(2))
    await first.ensure_indexes()
    answers = [await first.allow("10.0.0.7"), await second.allow("10.0.0.7")]
    answers += [await first.allow("10.0.0.7"), await second.allow("10.0.0.7")]
    assert answers == [True, True, True, False]  # the 4th is refused whichever replica asks
    assert await second.allow("10.0.0.8")  # another client has its own budget

    # Half-way into the next minute, half of the last minute's 4 still count: 2 + 1 <= 3.
    clock.now = START + timedelta(seconds=90)
    assert await first.allow("10.0.0.7")
    assert not await second.allow("10.0.0.7")  # 2 + 2 > 3: no burst at the boundary

    clock.now = START + timedelta(minutes=3)
    assert await first.allow("10.0.0.7")


async def test_counters_hold_no_client_address(db: AsyncDatabase[Doc]) -> None:
    limiter = RateLimiter(db["rate_limits"], KEYS.lookup, FrozenClock(), 5)
    await limiter.allow("203.0.113.9")
    docs = await db["rate_limits"].find({}).to_list()
    assert len(docs) == 1
    assert "203.0.113.9" not in repr(docs)
    assert docs[0]["expires_at"].replace(tzinfo=UTC) == START + timedelta(minutes=2)
