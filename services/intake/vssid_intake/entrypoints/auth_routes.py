"""Login, the login session and the first password change (CONTRACT §3)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request, Response

from vssid_intake.account_handlers import Accounts
from vssid_intake.entrypoints.bearer import Token
from vssid_intake.entrypoints.schemas import ChangePasswordIn, LoginIn, LoginOut, SessionOut


def client_address(request: Request) -> str:
    """The TCP peer, or what a configured proxy says (`VSSID_TRUSTED_PROXIES`, see __main__)."""
    return request.client.host if request.client else "unknown"


def register_auth_routes(api: FastAPI, accounts: Accounts) -> None:
    @api.post("/v1/auth/login", response_model=LoginOut, tags=["auth"])
    async def login(body: LoginIn, request: Request) -> dict[str, Any]:
        token, must_change = await accounts.login(
            body.account, body.password, client_address(request)
        )
        return {"token": token, "must_change_password": must_change}

    @api.get("/v1/auth/session", response_model=SessionOut, tags=["auth"])
    async def session(token: Token) -> dict[str, Any]:
        view = await accounts.session(token)
        return {"must_change_password": view.must_change_password, "expires_at": view.expires_at}

    @api.post("/v1/auth/logout", status_code=204, tags=["auth"])
    async def logout(token: Token) -> Response:
        await accounts.logout(token)
        return Response(status_code=204)

    @api.post("/v1/auth/change-password", status_code=204, tags=["auth"])
    async def change_password(body: ChangePasswordIn, request: Request) -> Response:
        await accounts.change_password(
            body.account, body.password, body.new_password, client_address(request)
        )
        return Response(status_code=204)
