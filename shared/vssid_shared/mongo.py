"""MongoDB plumbing: one PyMongo async client per process and event loop."""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

Doc = dict[str, Any]


def connect(url: str, *, timeout_ms: int = 5000) -> AsyncMongoClient[Doc]:
    return AsyncMongoClient(url, serverSelectionTimeoutMS=timeout_ms, tz_aware=True)


async def ping(db: AsyncDatabase[Doc]) -> bool:
    try:
        await db.command("ping")
    except Exception:
        return False
    return True
