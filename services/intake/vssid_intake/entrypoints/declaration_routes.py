"""Drafts, photos and submission (CONTRACT §3), and the agency list."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Request

from vssid_intake.domain.errors import IntakeError
from vssid_intake.entrypoints.dependencies import DepsDep, Token, peer_address
from vssid_intake.entrypoints.openapi import body_with_file
from vssid_intake.entrypoints.schemas import (
    AgencyOut,
    CreatedOut,
    DeclarationIn,
    DeclarationOut,
    ImageOut,
    SubmittedOut,
)
from vssid_intake.entrypoints.upload import read_file_field
from vssid_intake.entrypoints.views import declaration_view
from vssid_intake.handlers import (
    CreateDeclaration,
    ListAgencies,
    PutImage,
    ReadDeclaration,
    SubmitDeclaration,
    UpdateDeclaration,
    create_declaration,
    list_agencies,
    put_image,
    read_declaration,
    submit_declaration,
    update_declaration,
)

ImageKind = Literal["portrait", "id_front", "id_back"]
UPLOAD_SCHEMA = body_with_file()

router = APIRouter()


@router.get("/v1/agencies", response_model=list[AgencyOut], tags=["agencies"])
async def agencies(deps: DepsDep, province_code: str | None = None) -> list[dict[str, Any]]:
    return await list_agencies(ListAgencies(province_code), deps=deps)


@router.post("/v1/declarations", status_code=201, response_model=CreatedOut, tags=["declarations"])
async def create(body: DeclarationIn, request: Request, deps: DepsDep) -> dict[str, Any]:
    command = CreateDeclaration(body.model_dump(exclude_unset=True), peer_address(request))
    doc, token = await create_declaration(command, deps=deps)
    return {**declaration_view(doc, deps.declarations), "access_token": token}


@router.get(
    "/v1/declarations/{declaration_id}", response_model=DeclarationOut, tags=["declarations"]
)
async def read(declaration_id: str, token: Token, deps: DepsDep) -> dict[str, Any]:
    doc = await read_declaration(ReadDeclaration(declaration_id, token), deps=deps)
    return declaration_view(doc, deps.declarations)


@router.patch(
    "/v1/declarations/{declaration_id}", response_model=DeclarationOut, tags=["declarations"]
)
async def edit(
    declaration_id: str, body: DeclarationIn, token: Token, request: Request, deps: DepsDep
) -> dict[str, Any]:
    patch = body.model_dump(exclude_unset=True)
    command = UpdateDeclaration(declaration_id, token, patch, peer_address(request))
    return declaration_view(await update_declaration(command, deps=deps), deps.declarations)


@router.put(
    "/v1/declarations/{declaration_id}/images/{kind}",
    status_code=201,
    response_model=ImageOut,
    openapi_extra=UPLOAD_SCHEMA,
    tags=["declarations"],
)
async def upload(
    declaration_id: str, kind: ImageKind, request: Request, token: Token, deps: DepsDep
) -> Any:
    # Refuse strangers before reading the body.
    doc = await read_declaration(ReadDeclaration(declaration_id, token), deps=deps)
    data = await read_file_field(
        request.headers.get("content-type", ""),
        request.headers.get("content-length"),
        request.stream(),
        limit=deps.limits.max_image_bytes,
    )
    if data is None:
        raise IntakeError("Thiếu trường 'file' chứa ảnh.")
    return await put_image(PutImage(declaration_id, token, kind, data, seen=doc), deps=deps)


@router.post(
    "/v1/declarations/{declaration_id}/submit",
    status_code=202,
    response_model=SubmittedOut,
    tags=["declarations"],
)
async def submit(
    declaration_id: str,
    token: Token,
    deps: DepsDep,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> dict[str, Any]:
    command = SubmitDeclaration(declaration_id, token, idempotency_key)
    doc = await submit_declaration(command, deps=deps)
    return {"status": "submitted", "reference": doc["reference"]}
