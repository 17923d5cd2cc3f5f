"""The HTTP shapes of intake's API (separate from storage and domain models)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

EXAMPLE: dict[str, Any] = {
    "full_name": "Nguyễn Văn Bảo",
    "social_insurance_number": "4890012345",
    "date_of_birth": "1990-03-15",
    "gender": "male",
    "nationality": "VN",
    "id_document": {"type": "cccd", "number": "048090900101", "issued_on": "2021-05-12"},
    "address": "Tổ 5, Phường Chính Gián, Quận Thanh Khê, Đà Nẵng",
    "phone": "0905123456",
    "email": "bao.nguyen@example.com",
    "agency_code": "4802",
    "send_email_copy": True,
}


class IdDocumentIn(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: Literal["cccd", "cmnd", "passport"] | None = None
    number: str | None = Field(None, max_length=40)
    issued_on: str | None = Field(None, description="YYYY-MM-DD", max_length=40)
    issued_by: str | None = Field(None, max_length=200)


class DeclarationIn(BaseModel):
    """Any subset of the declaration's fields; all are checked again at submit."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [EXAMPLE]})
    full_name: str | None = Field(None, max_length=200)
    social_insurance_number: str | None = Field(None, max_length=40)
    date_of_birth: str | None = Field(None, description="YYYY-MM-DD", max_length=40)
    gender: Literal["male", "female"] | None = None
    nationality: str | None = Field(None, max_length=40)
    id_document: IdDocumentIn | None = None
    address: str | None = Field(None, max_length=500)
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=254)
    agency_code: str | None = Field(None, max_length=20)
    send_email_copy: bool | None = None
    consent: dict[str, Any] | None = Field(
        None, description='{"version": of /v1/consents/current, "accepted": true}; needed at submit'
    )


class ImageOut(BaseModel):
    kind: Literal["portrait", "id_front", "id_back"]
    content_type: str
    width: int
    height: int
    sha256: str


class TimelineEntry(BaseModel):
    status: str
    at: datetime


class DeclarationOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    status: str
    status_label: str
    reference: str | None = None
    visit_deadline: date | None = Field(
        None,
        description=(
            "The last day to come to the office with the ID card (hạn đến cơ quan BHXH; ISO "
            "date, the app shows dd/mm/yyyy): set once review opened the case "
            "(awaiting_verification), null before."
        ),
    )
    timeline: list[TimelineEntry]
    images: list[ImageOut]
    enrichment: dict[str, Any] | None = None


class CreatedOut(DeclarationOut):
    access_token: str


class SubmittedOut(BaseModel):
    status: str
    reference: str


class ErrorItem(BaseModel):
    loc: list[str | int]
    code: str
    message: str


class ErrorOut(BaseModel):
    detail: list[ErrorItem]


class AgencyOut(BaseModel):
    code: str
    name: str
    province_code: str
    phone: str
    address: str


class LoginIn(BaseModel):
    account: str = Field(
        max_length=40, description="mã số BHXH (10 chữ số) hoặc mã thẻ BHYT (15 ký tự)"
    )
    password: str = Field(max_length=200)


class LoginOut(BaseModel):
    token: str
    must_change_password: bool


class SessionOut(BaseModel):
    must_change_password: bool
    expires_at: datetime = Field(description="absolute deadline; idle sessions end sooner")


class ChangePasswordIn(LoginIn):
    new_password: str = Field(max_length=200)
