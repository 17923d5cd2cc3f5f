"""The URL every service is given for the embedded server sends no retryable writes (issue 13).

SecantusDB records the reply of every retryable write (a write carrying `lsid` + `txnNumber`)
for 30 minutes and walks the whole record on each write; a service on the driver's default
would pay for every write of the last half hour on each new one. A client built from the URL
the stack hands the services must therefore write without `txnNumber`; the same writes with
`retryWrites=true` carry it, so the listener below does see the difference."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import pytest
from pymongo import AsyncMongoClient, monitoring

from vssid.devstack import Stack
from vssid.devstack.config import StackConfig
from vssid_shared.mongo import Doc
from vssid_shared.settings import EMBEDDED_MONGO_QUERY, CommonSettings

# The embedded server itself: an external or containerised MongoDB comes with its own URL.
pytestmark = pytest.mark.local_servers


@dataclass
class Writes(monitoring.CommandListener):
    """Whether each write command sent carried a retryable-write number."""

    numbered: list[bool] = field(default_factory=list)

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name in ("insert", "update", "delete"):
            self.numbered.append("txnNumber" in event.command)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


async def _write_three(url: str, db_name: str) -> list[bool]:
    writes = Writes()
    client: AsyncMongoClient[Doc] = AsyncMongoClient(url, event_listeners=[writes])
    try:
        probe = client[db_name]["retry_probe"]
        key = uuid.uuid4().hex
        await probe.insert_one({"_id": key, "n": 0})
        await probe.update_one({"_id": key}, {"$inc": {"n": 1}})
        await probe.delete_one({"_id": key})
    finally:
        await client.close()
    return writes.numbered


async def test_the_services_url_writes_without_retryable_records(
    stack: Stack, mongo_db_name: str
) -> None:
    assert stack.mongo_url.endswith(EMBEDDED_MONGO_QUERY)
    assert await _write_three(stack.mongo_url, mongo_db_name) == [False, False, False]


async def test_the_listener_sees_retryable_writes_when_asked_for(
    stack: Stack, mongo_db_name: str
) -> None:
    url = stack.mongo_url.replace("retryWrites=false", "retryWrites=true")
    assert await _write_three(url, mongo_db_name) == [True, True, True]


@pytest.mark.parametrize("source", ["dev stack", "ports only"])
def test_every_embedded_url_carries_the_query(source: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("VSSID_MONGO_URL", "VSSID_HOST"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("VSSID_MONGO_PORT", "27123")
    from_dev = source == "dev stack"
    url = StackConfig.from_env().mongo_url if from_dev else CommonSettings().mongo_url
    assert url == f"mongodb://127.0.0.1:27123/?{EMBEDDED_MONGO_QUERY}"
