"""One frozen model per past-tense event: the `data` each event carries (CONTRACT v1).

Field names are the wire's. Every model ignores keys it does not know (additive changes within
`v1`), and personal data only ever travels in the `sealed*` fields (AES-GCM, bound to the
declaration id; see `vssid_shared.crypto`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    SerializerFunctionWrapHandler,
    model_serializer,
)

from vssid_shared.subjects import Event

Sealed = str  # a `Sealer.seal_json` token: only a holder of the key opens it
# A moment as `datetime.isoformat()` spells it ("+00:00"), as intake always wrote it.
Moment = Annotated[
    AwareDatetime, PlainSerializer(datetime.isoformat, return_type=str, when_used="json")
]


class Contract(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class EventData(Contract):
    # Keys left off the wire while unset (rather than sent as null).
    OMITTED_WHEN_UNSET: ClassVar[frozenset[str]] = frozenset({"reconciled"})

    # A reconciler's re-emit: the attempt number.
    reconciled: int | None = None


class AgencyCard(Contract):
    """The receiving agency as `GET /v1/agencies` shows it: what the mails print."""

    model_config = ConfigDict(extra="allow", frozen=True)

    code: str
    name: str = ""
    province_code: str | None = None
    phone: str = ""
    address: str = ""


class ImageRef(Contract):
    """Where a stored photo is (GridFS id) and the hash of its bytes as stored."""

    file_id: str
    sha256: str
    content_type: str


class FindingData(Contract):
    """A finding shown to the clerk (`code`, `severity`, Vietnamese `message`)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    code: str
    severity: Literal["error", "warning", "info"]
    message: str
    image: str | None = None


class QrSummary(Contract):
    """What ocr_qr read from the ID card's QR, without the card's fields (those are sealed)."""

    found: bool
    kind: str | None = None
    side: str | None = None
    engine: str | None = None

    @model_serializer(mode="wrap")
    def _without_unset(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # `{"found": false}` alone when nothing was read, as ocr_qr always wrote it.
        dumped: dict[str, Any] = handler(self)
        return {k: v for k, v in dumped.items() if v is not None}


class Submitted(EventData):
    """intake → ocr_qr (and notifier): a declaration was submitted."""

    reference: str
    submitted_at: Moment
    agency: AgencyCard
    send_email_copy: bool = False
    images: dict[str, ImageRef] = Field(default_factory=dict)
    sealed: Sealed = Field(description="the typed declaration fields")
    sin_findings: list[FindingData] = Field(default_factory=list)
    account_sealed: Sealed | None = Field(
        default=None, description="the active account the typed number already has"
    )


class Scanned(EventData):
    """ocr_qr → review and intake: the photos were checked and the QR cross-checked."""

    reference: str
    submitted_at: Moment | None = None
    agency: AgencyCard | None = None
    send_email_copy: bool = False
    images: dict[str, ImageRef] = Field(default_factory=dict)
    sin_findings: list[FindingData] = Field(default_factory=list)
    account_sealed: Sealed | None = None
    qr: QrSummary
    findings: list[FindingData] = Field(default_factory=list)
    discrepancy_fields: list[str] = Field(default_factory=list)
    sealed: Sealed = Field(description="{card, discrepancies, declaration}")


class StatusChanged(EventData):
    """review → intake and notifier: awaiting_verification, verified, rejected, expiring,
    expired. Only what changed: the notifier kept the recipient from `submitted`; `sealed`
    holds the clerk's `note` on a decision; `awaiting_verification` says `send_email_copy` (a
    flag: the notifier reads the kept recipient only when a copy was asked for; absent from
    older events, which are read as before). (`agency`, `submitted_at` and a sealed
    declaration are what events before the slimming carried; still read if present.)"""

    reference: str
    deadline: date
    sealed: Sealed | None = None
    agency: AgencyCard | None = None
    send_email_copy: bool | None = None
    submitted_at: Moment | None = None

    OMITTED_WHEN_UNSET: ClassVar[frozenset[str]] = frozenset(
        {"reconciled", "sealed", "agency", "send_email_copy", "submitted_at"}
    )
    # `verified` only: the clerk's audited re-issue of an active account's password.
    reissue_password: bool = False


class AccountActivated(EventData):
    """intake → notifier: the initial (or re-issued) password, sealed for the notifier only."""

    reference: str | None = None
    reissued: bool = False
    agency: AgencyCard | None = None
    sealed: Sealed


class AccountHeld(EventData):
    """intake → review: verified, but an existing active account's password was left alone."""

    reference: str | None = None
    reason: str


class DeliveryReceipt(EventData):
    """notifier → review (`copy_mailed`, `notified`): how one mail or SMS went."""

    reference: str | None = None
    kind: str
    status: Literal["sent", "failed"]
    error: str | None = None


class Withdrawn(EventData):
    """intake → review and notifier: the applicant withdrew a submitted declaration. `sealed`
    holds the confirmation mail's contact under the service key (the data key is destroyed)."""

    reference: str | None = None
    agency: AgencyCard | None = None
    withdrawn_at: Moment | None = None
    sealed: Sealed


DATA_MODELS: dict[Event, type[EventData]] = {
    Event.SUBMITTED: Submitted,
    Event.SCANNED: Scanned,
    Event.AWAITING_VERIFICATION: StatusChanged,
    Event.VERIFIED: StatusChanged,
    Event.REJECTED: StatusChanged,
    Event.EXPIRING: StatusChanged,
    Event.EXPIRED: StatusChanged,
    Event.ACCOUNT_ACTIVATED: AccountActivated,
    Event.ACCOUNT_HELD: AccountHeld,
    Event.COPY_MAILED: DeliveryReceipt,
    Event.NOTIFIED: DeliveryReceipt,
    Event.WITHDRAWN: Withdrawn,
}
