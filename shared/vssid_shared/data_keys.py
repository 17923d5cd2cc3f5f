"""The driver-free face of crypto-shredding (`shredding.py` holds the MongoDB ring): what use
cases call to create, load and destroy a declaration's data key, and the errors they see."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from vssid_shared.crypto import Keys, Sealer

log = logging.getLogger(__name__)


class DataKeyDestroyedError(Exception):
    """The declaration's data key is gone: its sealed data can never be opened again."""


class DataKeyNotLoadedError(RuntimeError):
    """Sealed under a data key this process did not load first (a missing `load_key`)."""


class DataKeyRing(Protocol):
    """One wrapped key per declaration (`shredding.DataKeys` in MongoDB)."""

    async def create(self, declaration_id: str, now: datetime) -> None: ...
    async def load(self, declaration_id: str) -> None: ...
    async def destroy(self, declaration_id: str, reason: str, now: datetime) -> bool: ...
    async def is_destroyed(self, declaration_id: str) -> bool: ...
    def close(self) -> None: ...


async def load_key(keys: Keys, declaration_id: str) -> None:
    if keys.data is not None:
        await keys.data.load(declaration_id)


async def create_key(keys: Keys, declaration_id: str, now: datetime) -> None:
    if keys.data is not None:
        await keys.data.create(declaration_id, now)


async def destroy_key(keys: Keys, declaration_id: str, reason: str, now: datetime) -> bool:
    if keys.data is None:
        return False
    destroyed = await keys.data.destroy(declaration_id, reason, now)
    if destroyed:
        log.info("data key destroyed", extra={"declaration": declaration_id, "reason": reason})
    return destroyed


def service_sealer(sealer: Sealer) -> Sealer:
    """The service-key sealer behind `sealer`: for the few payloads that must outlive the data
    key on purpose (the withdrawal confirmation's name and mail address)."""
    legacy: Sealer = getattr(sealer, "legacy", sealer)
    return legacy
