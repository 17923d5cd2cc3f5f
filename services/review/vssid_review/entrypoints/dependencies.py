"""FastAPI dependencies: the service's `App`, the use-case deps and the signed-in operator."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import Depends, Header, Request

from vssid_review.bootstrap import App
from vssid_review.domain.cases import Operator
from vssid_review.domain.errors import UnauthorizedError
from vssid_review.ports import Deps


def get_app(request: Request) -> App:
    app: App = request.app.state.review
    return app


def get_deps(request: Request) -> Deps:
    return get_app(request).deps


async def current_operator(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> Operator:
    scheme, _, token = (authorization or "").partition(" ")
    operators = get_app(request).operators
    op = await operators.by_token(token.strip()) if scheme.lower() == "bearer" else None
    if op is None:
        raise UnauthorizedError
    return replace(op, client=request.client.host if request.client else None)


AppDep = Annotated[App, Depends(get_app)]
DepsDep = Annotated[Deps, Depends(get_deps)]
Op = Annotated[Operator, Depends(current_operator)]
