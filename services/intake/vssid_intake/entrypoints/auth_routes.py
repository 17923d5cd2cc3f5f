"""Login and first password change (CONTRACT §3)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Response

from vssid_intake.account_handlers import Accounts
from vssid_intake.entrypoints.schemas import ChangePasswordIn, LoginIn, LoginOut


def register_auth_routes(api: FastAPI, accounts: Accounts) -> None:
    @api.post("/v1/auth/login", response_model=LoginOut, tags=["auth"])
    async def login(body: LoginIn) -> dict[str, Any]:
        token, must_change = await accounts.login(body.account, body.password)
        return {"token": token, "must_change_password": must_change}

    @api.post("/v1/auth/change-password", status_code=204, tags=["auth"])
    async def change_password(body: ChangePasswordIn) -> Response:
        await accounts.change_password(body.account, body.password, body.new_password)
        return Response(status_code=204)
