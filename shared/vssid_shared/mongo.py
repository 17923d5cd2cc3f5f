"""MongoDB plumbing: one PyMongo async client per process and event loop."""

from __future__ import annotations

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from vssid_shared.doc import Doc

__all__ = ["Doc", "connect", "ping"]


def connect(
    url: str, *, timeout_ms: int = 5000, socket_timeout_ms: int | None = None
) -> AsyncMongoClient[Doc]:
    """`socket_timeout_ms` bounds a wait on an open connection to a server that stopped
    answering without closing it (frozen, partitioned): pymongo's default waits forever."""
    return AsyncMongoClient(
        url,
        serverSelectionTimeoutMS=timeout_ms,
        socketTimeoutMS=socket_timeout_ms,
        tz_aware=True,
    )


async def ping(db: AsyncDatabase[Doc]) -> bool:
    try:
        await db.command("ping")
    except Exception:
        return False
    return True
