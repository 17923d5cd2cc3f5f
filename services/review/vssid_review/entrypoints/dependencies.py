"""FastAPI dependencies: the service's `App`, the use-case deps and the signed-in operator."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from vssid_review.bootstrap import App
from vssid_review.domain.cases import Operator
from vssid_review.entrypoints.staff_auth import operator_of
from vssid_review.ports import Deps


def get_app(request: Request) -> App:
    app: App = request.app.state.review
    return app


def get_deps(request: Request) -> Deps:
    return get_app(request).deps


async def current_operator(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> Operator:
    """An API client's bearer token, or a signed-in person's session cookie (with its CSRF
    header on state-changing requests): see `entrypoints.staff_auth`."""
    return await operator_of(request, authorization, get_app(request))


AppDep = Annotated[App, Depends(get_app)]
DepsDep = Annotated[Deps, Depends(get_deps)]
Op = Annotated[Operator, Depends(current_operator)]
