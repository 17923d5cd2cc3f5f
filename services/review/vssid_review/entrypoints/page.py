"""The office staff's web page: static files only, no inline script, no external CDN."""

from __future__ import annotations

from importlib.resources import files

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from vssid_shared.static_assets import CSS, JS, app_headers, static_assets

# Strict CSP (vssid_shared.static_assets.APP_CSP); never cached: the page shows cases.
PAGE_HEADERS = app_headers("no-store")
# jsQR is vendored from npm by scripts/vendor-npm.sh (Apache-2.0, its LICENSE beside it);
# locale.js (the language switch) comes from vssid_shared.
ASSETS = {
    "page.js": JS,
    "i18n.js": JS,  # the English texts (issue 17)
    "scan.js": JS,  # the counter QR scan
    "page.css": CSS,
    "vendor/jsQR.js": JS,
}


def page_router() -> APIRouter:
    """The page and its files, read once."""
    router = APIRouter(include_in_schema=False)
    html = (files("vssid_review") / "static" / "index.html").read_text(encoding="utf-8")

    @router.get("/", response_class=HTMLResponse)
    async def page() -> HTMLResponse:
        return HTMLResponse(html, headers=PAGE_HEADERS)

    router.include_router(static_assets("vssid_review", "static", ASSETS, PAGE_HEADERS))
    return router
