"""The error body of CONTRACT §3 — {"detail": [{"loc", "code", "message"}]} — as JSON."""

from __future__ import annotations

import json
from typing import Any

from fastapi.responses import JSONResponse


def item(code: str, message: str, loc: list[str | int] | None = None) -> dict[str, Any]:
    return {"loc": loc or [], "code": code, "message": message}


def problem(
    status: int, items: list[dict[str, Any]], headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"detail": items}, status_code=status, headers=headers)


def problem_bytes(code: str, message: str) -> bytes:
    return json.dumps({"detail": [item(code, message)]}, ensure_ascii=False).encode()
