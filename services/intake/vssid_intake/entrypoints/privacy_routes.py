"""Routes for consent and the applicant's rights (CONTRACT §3): thin, the use cases in
`handlers` (export_declaration, delete_declaration)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from vssid_intake.entrypoints.dependencies import DepsDep, Token
from vssid_intake.entrypoints.views import declaration_view, export_view
from vssid_intake.handlers import (
    DeleteDeclaration,
    ExportDeclaration,
    delete_declaration,
    export_declaration,
)

router = APIRouter()


@router.get("/v1/consents/current", tags=["consent"])
async def current_consent(deps: DepsDep) -> dict[str, Any]:
    """The consent text the applicant must accept before submitting."""
    return deps.consents.current(deps.today()).public()


@router.get("/v1/declarations/{declaration_id}/export", tags=["declarations"])
async def export(declaration_id: str, token: Token, deps: DepsDep) -> dict[str, Any]:
    """Everything held about the applicant for this declaration."""
    found = await export_declaration(ExportDeclaration(declaration_id, token), deps=deps)
    return export_view(found.doc, found.fields, found.exported_at, deps.declarations)


@router.delete("/v1/declarations/{declaration_id}", tags=["declarations"], response_model=None)
async def delete(declaration_id: str, token: Token, deps: DepsDep) -> Response | dict[str, Any]:
    """A draft is discarded (204); a submitted one not yet decided is withdrawn (200)."""
    doc = await delete_declaration(DeleteDeclaration(declaration_id, token), deps=deps)
    if doc is None:
        return Response(status_code=204)
    return declaration_view(doc, deps.declarations)
