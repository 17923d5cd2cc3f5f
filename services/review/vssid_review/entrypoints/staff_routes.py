"""`/v1/staff/session`: sign in (password + TOTP), who am I, sign out."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from vssid_review.adapters.staff_sessions import StaffSession
from vssid_review.domain.cases import Operator
from vssid_review.domain.errors import SignInFailedError, TooManySignInsError, UnauthorizedError
from vssid_review.domain.staff_credentials import LOGIN, check_password, totp_step
from vssid_review.entrypoints.staff_auth import StaffAuth, operator


class SignInIn(BaseModel):
    login: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)
    code: str = Field(min_length=1, max_length=10, description="The 6-digit TOTP code.")


def session_body(op: Operator, session: StaffSession, auth: StaffAuth) -> dict[str, Any]:
    return {
        "operator": {"id": op.id, "name": op.name, "agency_code": op.agency_code},
        "csrf_token": session.csrf_token,
        "idle_timeout_seconds": int(auth.sessions.idle.total_seconds()),
    }


def register_staff_routes(api: FastAPI, auth: StaffAuth) -> None:
    @api.post("/v1/staff/session", tags=["staff"])
    async def sign_in(body: SignInIn, request: Request) -> JSONResponse:
        # Anything that cannot be a login (enrolment allows [a-z0-9._-]) is limited under one
        # key, so hostile text (lone surrogates, control characters) never reaches a hash.
        login = body.login.strip().lower()
        if not LOGIN.match(login):
            login = "(invalid)"
        client = request.client.host if request.client else "unknown"
        now = auth.clock()
        wait = await auth.limits.retry_after(login, client, now)
        if wait is not None:
            raise TooManySignInsError(wait)
        doc = await auth.credentials.by_login(login)
        # argon2id takes tens of milliseconds of CPU: off the event loop, so open event streams
        # and other requests keep moving while a sign-in is checked.
        stored = doc.get("password_hash") if doc else None
        good = await asyncio.to_thread(check_password, stored, body.password)
        step = None
        if doc is not None and good and doc.get("totp_sealed"):
            step = totp_step(
                auth.credentials.totp_secret(doc), body.code.strip(), now, doc.get("totp_last_step")
            )
        if doc is None or step is None or not await auth.credentials.use_step(doc["_id"], step):
            await auth.limits.failed(login, client, now)
            raise SignInFailedError
        await auth.limits.succeeded(login)
        sid, session = await auth.sessions.open(doc["_id"], now)
        answer = JSONResponse(
            session_body(operator(doc), session, auth), headers={"Cache-Control": "no-store"}
        )
        answer.set_cookie(
            auth.cookie_name,
            sid,
            max_age=int(auth.sessions.lifetime.total_seconds()),
            path="/",
            secure=auth.secure_cookie,
            httponly=True,
            samesite="strict",
        )
        return answer

    @api.get("/v1/staff/session", tags=["staff"])
    async def who_am_i(request: Request) -> JSONResponse:
        found = await auth.session_of(request)
        op = await auth.operators.active(found[1].operator_id) if found else None
        if found is None or op is None:
            raise UnauthorizedError
        return JSONResponse(session_body(op, found[1], auth), headers={"Cache-Control": "no-store"})

    @api.delete("/v1/staff/session", tags=["staff"], status_code=204)
    async def sign_out(request: Request) -> Response:
        # The CSRF check of any state-changing request: nobody else's page signs you out.
        await auth.cookie_operator(request)
        found = await auth.session_of(request)
        if found is not None:
            await auth.sessions.close(found[0])
        answer = Response(status_code=204)
        answer.delete_cookie(
            auth.cookie_name, path="/", secure=auth.secure_cookie, httponly=True, samesite="strict"
        )
        return answer
