"""FastAPI dependencies: the service's `App`, the use-case deps and the signed-in operator."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from vssid_review.bootstrap import App
from vssid_review.domain.cases import Operator
from vssid_review.entrypoints.staff_auth import operator_of
from vssid_review.ports import Deps

# `async def` though they do not await: FastAPI runs a plain `def` dependency in its thread
# pool, a thread hop per dependency per request for a dict lookup (issue 13).


def app_of(request: Request) -> App:
    app: App = request.app.state.review
    return app


async def get_app(request: Request) -> App:
    return app_of(request)


async def get_deps(request: Request) -> Deps:
    return app_of(request).deps


async def current_operator(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> Operator:
    """An API client's bearer token, or a signed-in person's session cookie (with its CSRF
    header on state-changing requests): see `entrypoints.staff_auth`."""
    return await operator_of(request, authorization, app_of(request))


AppDep = Annotated[App, Depends(get_app)]
DepsDep = Annotated[Deps, Depends(get_deps)]
Op = Annotated[Operator, Depends(current_operator)]
