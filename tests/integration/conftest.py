"""Fixtures shared by the integration tests that talk to MongoDB through one store."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from tests.support.commands import Commands
from vssid.devstack import Stack
from vssid_shared.mongo import Doc


@pytest.fixture
async def aware_db(stack: Stack, mongo_db_name: str) -> AsyncIterator[AsyncDatabase[Doc]]:
    """A database whose datetimes come back time-zone aware, as the services' clients read them."""
    client: AsyncMongoClient[Doc] = AsyncMongoClient(stack.mongo_url, tz_aware=True)
    try:
        yield client[mongo_db_name]
    finally:
        await client.close()


@pytest.fixture
async def counted_db(
    stack: Stack, mongo_db_name: str
) -> AsyncIterator[tuple[AsyncDatabase[Doc], Commands]]:
    """`aware_db` on a client whose commands are recorded (`commands.during()`)."""
    commands = Commands()
    client: AsyncMongoClient[Doc] = AsyncMongoClient(
        stack.mongo_url, tz_aware=True, event_listeners=[commands]
    )
    try:
        yield client[mongo_db_name], commands
    finally:
        await client.close()
