"""Which failures mean "a dependency is down" (answer 503 + Retry-After), and /ready's detail."""

from __future__ import annotations

import nats.errors
from pymongo.errors import ConnectionFailure

# ConnectionFailure covers ServerSelectionTimeoutError, AutoReconnect, NetworkTimeout and
# WaitQueueTimeoutError: MongoDB cannot be reached right now, the request may well work later.
MONGO_DOWN: tuple[type[Exception], ...] = (ConnectionFailure,)
NATS_DOWN: tuple[type[Exception], ...] = (
    nats.errors.NoServersError,
    nats.errors.ConnectionClosedError,
    nats.errors.ConnectionReconnectingError,
    nats.errors.StaleConnectionError,
    nats.errors.OutboundBufferLimitError,
    nats.errors.TimeoutError,
)
RETRY_AFTER_SECONDS = 5
UNAVAILABLE_CODE = "service_unavailable"
UNAVAILABLE_MESSAGE = "Hệ thống đang tạm gián đoạn, vui lòng thử lại sau ít phút."


class DependencyDownError(Exception):
    """Raised by code that checks a dependency before using it (e.g. NATS disconnected)."""

    def __init__(self, dependency: str) -> None:
        super().__init__(f"{dependency} is unreachable")
        self.dependency = dependency


def ready_body(checks: dict[str, bool]) -> dict[str, object]:
    """`{"ready": bool, "mongo": "ok" | "down", "nats": ...}` for /ready."""
    return {"ready": all(checks.values()), **{k: "ok" if v else "down" for k, v in checks.items()}}
