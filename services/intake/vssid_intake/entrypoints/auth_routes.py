"""Login, the login session and the first password change (CONTRACT §3)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from vssid_intake.account_handlers import (
    ChangePassword,
    LogIn,
    LogOut,
    ReadSession,
    change_password,
    log_in,
    log_out,
    read_session,
)
from vssid_intake.entrypoints.dependencies import Client, DepsDep, Token
from vssid_intake.entrypoints.schemas import ChangePasswordIn, LoginIn, LoginOut, SessionOut

router = APIRouter(tags=["auth"])


@router.post("/v1/auth/login", response_model=LoginOut)
async def login(body: LoginIn, client: Client, deps: DepsDep) -> dict[str, Any]:
    token, must_change = await log_in(LogIn(body.account, body.password, client), deps=deps)
    return {"token": token, "must_change_password": must_change}


@router.get("/v1/auth/session", response_model=SessionOut)
async def session(token: Token, deps: DepsDep) -> dict[str, Any]:
    view = await read_session(ReadSession(token), deps=deps)
    return {"must_change_password": view.must_change_password, "expires_at": view.expires_at}


@router.post("/v1/auth/logout", status_code=204)
async def logout(token: Token, deps: DepsDep) -> Response:
    await log_out(LogOut(token), deps=deps)
    return Response(status_code=204)


@router.post("/v1/auth/change-password", status_code=204)
async def change(body: ChangePasswordIn, client: Client, deps: DepsDep) -> Response:
    command = ChangePassword(body.account, body.password, body.new_password, client)
    await change_password(command, deps=deps)
    return Response(status_code=204)
