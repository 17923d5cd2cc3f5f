"""FastAPI dependencies: the service's `App` and use-case deps, the bearer token, the client."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from vssid_intake.bootstrap import App
from vssid_intake.domain.errors import UnauthorizedError
from vssid_intake.ports import Deps

# Every dependency here is `async def` though none awaits: FastAPI runs a plain `def`
# dependency in its thread pool, a thread hop (and GIL hand-off) per dependency per request
# for what is a dict lookup or a string split (issue 13: most of intake's per-request cost).


def app_of(request: Request) -> App:
    app: App = request.app.state.intake
    return app


async def get_app(request: Request) -> App:
    return app_of(request)


async def get_deps(request: Request) -> Deps:
    return app_of(request).deps


async def bearer(authorization: Annotated[str | None, Header()] = None) -> str:
    """`Authorization: Bearer <token>`: declaration access tokens and login tokens alike."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise UnauthorizedError
    return token.strip()


def peer_address(request: Request) -> str:
    """The TCP peer, or what a configured proxy says (`VSSID_TRUSTED_PROXIES`, see __main__)."""
    return request.client.host if request.client else "unknown"


async def client_address(request: Request) -> str:
    return peer_address(request)


AppDep = Annotated[App, Depends(get_app)]
DepsDep = Annotated[Deps, Depends(get_deps)]
Token = Annotated[str, Depends(bearer)]
Client = Annotated[str, Depends(client_address)]
