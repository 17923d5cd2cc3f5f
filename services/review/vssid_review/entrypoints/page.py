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
        "media-src 'self' blob:",  # the counter QR scan's camera preview
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


JS = "text/javascript; charset=utf-8"
# jsQR is vendored from npm by scripts/vendor-npm.sh (Apache-2.0, its LICENSE beside it).
ASSETS = {
    "page.js": JS,
    "i18n.js": JS,  # the English texts (issue 17)
    "scan.js": JS,  # the counter QR scan
    "page.css": "text/css; charset=utf-8",
    "vendor/jsQR.js": JS,
}


def page_router() -> APIRouter:
    """The page and its two files, read once."""
    router = APIRouter(include_in_schema=False)
    static = files("vssid_review") / "static"
    html = (static / "index.html").read_text(encoding="utf-8")
    assets = {name: static.joinpath(*name.split("/")).read_bytes() for name in ASSETS}

    @router.get("/", response_class=HTMLResponse)
    async def page() -> HTMLResponse:
        return HTMLResponse(html, headers=PAGE_HEADERS)

    @router.get("/static/{name:path}")
    async def asset(name: str) -> Response:
        if name not in assets:
            raise AssetNotFoundError
        return Response(assets[name], media_type=ASSETS[name], headers=PAGE_HEADERS)

    return router
