"""The applicant web app at `/app/` (issue 17): static files only, strict CSP, no CDN."""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, RedirectResponse

from vssid_shared.static_assets import CSS, JS, app_headers, static_assets

APP_HEADERS = app_headers("no-cache")
# jsQR is vendored from npm by scripts/vendor-npm.sh (Apache-2.0, its LICENSE beside it);
# locale.js (the language switch) comes from vssid_shared.
ASSETS = {
    "app.js": JS,
    "i18n.js": JS,  # the English texts (issue 17)
    "app.css": CSS,
    "vendor/jsQR.js": JS,
}


def register_applicant_app(api: FastAPI) -> None:
    html = (files("vssid_intake") / "app_static" / "index.html").read_text(encoding="utf-8")

    @api.get("/app", include_in_schema=False)
    async def app_root() -> RedirectResponse:
        return RedirectResponse("/app/")

    @api.get("/app/", response_class=HTMLResponse, include_in_schema=False)
    async def app_page() -> HTMLResponse:
        return HTMLResponse(html, headers=APP_HEADERS)

    api.include_router(
        static_assets("vssid_intake", "app_static", ASSETS, APP_HEADERS), prefix="/app"
    )
