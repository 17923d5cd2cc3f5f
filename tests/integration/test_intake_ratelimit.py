"""The lookup rate limit on real MongoDB: shared by replicas, sliding, hashed client keys."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, timedelta

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from tests.support.clock import START, FrozenClock
from vssid.devstack import Stack
from vssid_intake.adapters.ratelimit import RateLimiter
from vssid_shared.crypto import Keys
from vssid_shared.mongo import Doc

KEYS = Keys("x" * 40)


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
    answers = []
    for seconds, limiter in ((0, first), (10, second), (20, first), (30, second)):
        clock.now = START + timedelta(seconds=seconds)
        answers.append(await limiter.allow("10.0.0.7"))
    assert answers == [True, True, True, False]  # the 4th is refused whichever replica asks
    assert await second.allow("10.0.0.8")  # another client has its own budget

    clock.now = START + timedelta(seconds=59)
    assert not await first.allow("10.0.0.7")  # the first request is still inside the minute
    clock.now = START + timedelta(seconds=60)
    assert await first.allow("10.0.0.7")  # ... and now it is not: one slot is free again
    assert not await second.allow("10.0.0.7")
    clock.now = START + timedelta(minutes=5)
    assert await first.allow("10.0.0.7")


async def test_concurrent_requests_never_exceed_the_limit(db: AsyncDatabase[Doc]) -> None:
    replicas = [RateLimiter(db["rate_limits"], KEYS.lookup, FrozenClock(), 5) for _ in range(3)]
    answers = await asyncio.gather(*(replicas[i % 3].allow("10.0.0.9") for i in range(12)))
    assert sum(answers) == 5


async def test_counters_hold_no_client_address(db: AsyncDatabase[Doc]) -> None:
    limiter = RateLimiter(db["rate_limits"], KEYS.lookup, FrozenClock(), 5)
    await limiter.allow("203.0.113.9")
    docs = await db["rate_limits"].find({}).to_list()
    assert len(docs) == 1
    assert "203.0.113.9" not in repr(docs)
    assert docs[0]["expires_at"].replace(tzinfo=UTC) == START + timedelta(minutes=1)
