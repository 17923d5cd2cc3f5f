"""`/v1/staff/session`: sign in (password + TOTP), who am I, sign out; the session cookie's
attributes are set here, the rules run in `staff_handlers`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from vssid_review.bootstrap import App
from vssid_review.entrypoints.dependencies import AppDep
from vssid_review.entrypoints.staff_auth import cookie_name, session_call
from vssid_review.staff_handlers import (
    SignedIn,
    SignInStaff,
    read_staff_session,
    sign_in_staff,
    sign_out_staff,
)

NO_STORE = {"Cache-Control": "no-store"}


class SignInIn(BaseModel):
    login: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)
    code: str = Field(min_length=1, max_length=10, description="The 6-digit TOTP code.")


def session_body(signed_in: SignedIn, app: App) -> dict[str, Any]:
    op = signed_in.operator
    return {
        "operator": {"id": op.id, "name": op.name, "agency_code": op.agency_code},
        "csrf_token": signed_in.session.csrf_token,
        "idle_timeout_seconds": int(app.staff.policy.idle.total_seconds()),
    }


staff_router = APIRouter(tags=["staff"])


@staff_router.post("/v1/staff/session")
async def sign_in(body: SignInIn, request: Request, app: AppDep) -> JSONResponse:
    client = request.client.host if request.client else "unknown"
    command = SignInStaff(body.login, body.password, body.code, client)
    signed_in = await sign_in_staff(command, deps=app.staff)
    answer = JSONResponse(session_body(signed_in, app), headers=NO_STORE)
    assert signed_in.session_id is not None  # a sign-in always opens one
    answer.set_cookie(
        cookie_name(app),
        signed_in.session_id,
        max_age=int(app.staff.policy.lifetime.total_seconds()),
        path="/",
        secure=app.staff_cookie_secure,
        httponly=True,
        samesite="strict",
    )
    return answer


@staff_router.get("/v1/staff/session")
async def who_am_i(request: Request, app: AppDep) -> JSONResponse:
    signed_in = await read_staff_session(session_call(request, app), deps=app.staff)
    return JSONResponse(session_body(signed_in, app), headers=NO_STORE)


@staff_router.delete("/v1/staff/session", status_code=204)
async def sign_out(request: Request, app: AppDep) -> Response:
    await sign_out_staff(session_call(request, app), deps=app.staff)
    answer = Response(status_code=204)
    answer.delete_cookie(
        cookie_name(app), path="/", secure=app.staff_cookie_secure, httponly=True, samesite="strict"
    )
    return answer
