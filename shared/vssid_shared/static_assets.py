"""The two web apps' files (issue 17): a whitelist of names served from package data with the
apps' strict headers, and the language switch both apps share (`web/locale.js`)."""

from __future__ import annotations

from collections.abc import Mapping
from importlib.resources import files

from fastapi import APIRouter
from fastapi.responses import Response

from vssid_shared.api_errors import ApiError

JS = "text/javascript; charset=utf-8"
CSS = "text/css; charset=utf-8"
# Script and style only from the app's own files (never inline), photos fetched or previewed as
# blob: URLs, the camera preview (media-src), the API on the same origin, nothing framed, forms
# and <base> locked down.
APP_CSP = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' blob:",
        "media-src 'self' blob:",  # the live camera preview (QR scanning)
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
# Served beside every app's own files: the one language-switch engine (each app imports it
# from its i18n.js, which holds the app's English table).
SHARED_ASSETS = {"locale.js": JS}


def app_headers(cache_control: str) -> dict[str, str]:
    """The headers of an app's page and files."""
    return {
        "Content-Security-Policy": APP_CSP,
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": cache_control,
    }


class AssetNotFoundError(ApiError):
    status = 404
    code = "not_found"
    message = "Không tìm thấy tệp."


def static_assets(
    package: str, folder: str, assets: Mapping[str, str], headers: Mapping[str, str]
) -> APIRouter:
    """`GET /static/{name}` for exactly the names of `assets` (name → content type) found in
    `package`/`folder`, plus the shared `locale.js`; read once, anything else is a 404."""
    root = files(package) / folder
    own = {name: root.joinpath(*name.split("/")).read_bytes() for name in assets}
    shared = files("vssid_shared") / "web"
    found = {**own, **{name: (shared / name).read_bytes() for name in SHARED_ASSETS}}
    types = {**assets, **SHARED_ASSETS}
    router = APIRouter(include_in_schema=False)

    @router.get("/static/{name:path}")
    async def asset(name: str) -> Response:
        if name not in found:
            raise AssetNotFoundError
        return Response(found[name], media_type=types[name], headers=dict(headers))

    return router
