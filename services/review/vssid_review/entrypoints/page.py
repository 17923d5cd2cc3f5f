"""The office staff's web page: one static file, no external CDN."""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI
from fastapi.responses import HTMLResponse


def register_page(api: FastAPI) -> None:
    html = (files("vssid_review") / "static" / "index.html").read_text(encoding="utf-8")

    @api.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def page() -> HTMLResponse:
        return HTMLResponse(html, headers={"Cache-Control": "no-store"})
