"""The least HTTP server a declaration needs, for `bench/floor.py`: FastAPI on uvicorn (as
intake runs), the contract's five requests a declaration makes (draft, three photos, submit),
each read whole and answered, and nothing else: no validation, storage, events, logs or metrics.

`python bench/floor_app.py PORT` serves it on 127.0.0.1:PORT.
"""

from __future__ import annotations

import secrets
import sys
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI, Request

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vssid_intake.entrypoints.upload import read_file_field

PHOTO_LIMIT = 10 * 1024 * 1024

app = FastAPI()


@app.post("/v1/declarations", status_code=201)
async def create(body: dict[str, Any]) -> dict[str, str]:
    return {"id": secrets.token_hex(12), "access_token": secrets.token_urlsafe(32)}


@app.put("/v1/declarations/{declaration_id}/images/{kind}", status_code=201)
async def upload(declaration_id: str, kind: str, request: Request) -> dict[str, Any]:
    # The same streaming multipart reader intake uses: receiving the photo is part of the floor.
    data = await read_file_field(
        request.headers.get("content-type", ""),
        request.headers.get("content-length"),
        request.stream(),
        limit=PHOTO_LIMIT,
    )
    return {"kind": kind, "size": len(data or b"")}


@app.post("/v1/declarations/{declaration_id}/submit", status_code=202)
async def submit(declaration_id: str) -> dict[str, str]:
    return {"id": declaration_id, "status": "submitted"}


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_config=None, access_log=False)
