"""The applicant web app at `/app/` (issue 17): static files only, strict CSP, no CDN."""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from vssid_shared.api_errors import ApiError

# Script and style only from the app's own files; photos previewed as blob: URLs; the API on
# the same origin; nothing framed.
APP_CSP = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' blob:",
        "media-src 'self' blob:",  # the live camera preview
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
APP_HEADERS = {
    "Content-Security-Policy": APP_CSP,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
JS = "text/javascript; charset=utf-8"
# jsQR is vendored from npm by scripts/vendor-npm.sh (Apache-2.0, its LICENSE beside it).
ASSETS = {
    "app.js": JS,
    "i18n.js": JS,  # the English texts (issue 17)
    "app.css": "text/css; charset=utf-8",
    "vendor/jsQR.js": JS,
}


class AssetNotFoundError(ApiError):
    status = 404
    code = "not_found"
    message = "Không tìm thấy tệp."


def register_applicant_app(api: FastAPI) -> None:
    static = files("vssid_intake") / "app_static"
    html = (static / "index.html").read_text(encoding="utf-8")
    assets = {name: static.joinpath(*name.split("/")).read_bytes() for name in ASSETS}

    @api.get("/app", include_in_schema=False)
    async def app_root() -> RedirectResponse:
        return RedirectResponse("/app/")

    @api.get("/app/", response_class=HTMLResponse, include_in_schema=False)
    async def app_page() -> HTMLResponse:
        return HTMLResponse(html, headers=APP_HEADERS)

    @api.get("/app/static/{name:path}", include_in_schema=False)
    async def app_asset(name: str) -> Response:
        if name not in assets:
            raise AssetNotFoundError
        return Response(assets[name], media_type=ASSETS[name], headers=APP_HEADERS)
