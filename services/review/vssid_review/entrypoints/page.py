"""The office staff's web page: static files only, no inline script, no external CDN."""

from __future__ import annotations

from importlib.resources import files

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from vssid_review.domain.errors import AssetNotFoundError

# Strict CSP: script and style only from the page's own files (never inline), images from the
# API (fetched, then shown as blob: URLs), nothing framed, forms and <base> locked down.
PAGE_CSP = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' blob:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
PAGE_HEADERS = {
    "Content-Security-Policy": PAGE_CSP,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


ASSETS = {"page.js": "text/javascript; charset=utf-8", "page.css": "text/css; charset=utf-8"}


def page_router() -> APIRouter:
    """The page and its two files, read once."""
    router = APIRouter(include_in_schema=False)
    static = files("vssid_review") / "static"
    html = (static / "index.html").read_text(encoding="utf-8")
    assets = {name: (static / name).read_bytes() for name in ASSETS}

    @router.get("/", response_class=HTMLResponse)
    async def page() -> HTMLResponse:
        return HTMLResponse(html, headers=PAGE_HEADERS)

    @router.get("/static/{name}")
    async def asset(name: str) -> Response:
        if name not in assets:
            raise AssetNotFoundError
        return Response(assets[name], media_type=ASSETS[name], headers=PAGE_HEADERS)

    return router
