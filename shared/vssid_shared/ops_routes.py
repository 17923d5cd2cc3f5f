"""`/health` and `/ready`, the same for both HTTP services (CONTRACT §3 and §4)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from vssid_shared.http_errors import ready_answer
from vssid_shared.runtime import Runtime


def ops_router(runtime_of: Callable[[Request], Runtime]) -> APIRouter:
    """The two probes; `runtime_of` finds the service's runtime from the request's app."""
    ops = APIRouter(tags=["ops"])

    @ops.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @ops.get("/ready")
    async def ready(request: Request) -> JSONResponse:
        return await ready_answer(runtime_of(request))

    return ops
