"""Routes for consent and the applicant's rights (CONTRACT §3): thin, logic in rights.py."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Response

from vssid_intake.bootstrap import App
from vssid_intake.entrypoints.bearer import Token
from vssid_intake.entrypoints.views import declaration_view
from vssid_intake.rights import delete_declaration, export_declaration
from vssid_shared.clock import vn_date


def register_privacy_routes(api: FastAPI, app: App) -> None:
    intake = app.intake

    @api.get("/v1/consents/current", tags=["consent"])
    async def current_consent() -> dict[str, Any]:
        """The consent text the applicant must accept before submitting."""
        return intake.consents.current(vn_date(intake.clock())).public()

    @api.get("/v1/declarations/{declaration_id}/export", tags=["declarations"])
    async def export(declaration_id: str, token: Token) -> dict[str, Any]:
        """Everything held about the applicant for this declaration."""
        return await export_declaration(intake, declaration_id, token)

    @api.delete("/v1/declarations/{declaration_id}", tags=["declarations"], response_model=None)
    async def delete(declaration_id: str, token: Token) -> Response | dict[str, Any]:
        """A draft is discarded (204); a submitted one not yet decided is withdrawn (200)."""
        doc = await delete_declaration(intake, declaration_id, token)
        if doc is None:
            return Response(status_code=204)
        return declaration_view(doc, intake.store)
