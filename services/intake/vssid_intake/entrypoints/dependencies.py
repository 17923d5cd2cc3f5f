"""FastAPI dependencies: the service's `App` and use-case deps, the bearer token, the client."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from vssid_intake.bootstrap import App
from vssid_intake.domain.errors import UnauthorizedError
from vssid_intake.ports import Deps


def get_app(request: Request) -> App:
    app: App = request.app.state.intake
    return app


def get_deps(request: Request) -> Deps:
    return get_app(request).deps


def bearer(authorization: Annotated[str | None, Header()] = None) -> str:
    """`Authorization: Bearer <token>`: declaration access tokens and login tokens alike."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise UnauthorizedError
    return token.strip()


def client_address(request: Request) -> str:
    """The TCP peer, or what a configured proxy says (`VSSID_TRUSTED_PROXIES`, see __main__)."""
    return request.client.host if request.client else "unknown"


AppDep = Annotated[App, Depends(get_app)]
DepsDep = Annotated[Deps, Depends(get_deps)]
Token = Annotated[str, Depends(bearer)]
Client = Annotated[str, Depends(client_address)]
