"""The applicant's rights with the declaration's access token (Law 91/2025/QH15, CONTRACT §3):
see everything held (export), discard a draft, withdraw a submitted declaration.

Discarding or withdrawing destroys the declaration's data key (shredding.py): every sealed copy,
stream history included, becomes unreadable at once; what stays is a tombstone without personal
data (status, reference, timeline) until its retention ends.
"""

from __future__ import annotations

from typing import Any

from vssid_intake.entrypoints.views import declaration_view
from vssid_intake.errors import IntakeError
from vssid_intake.handlers import SOURCE, Intake
from vssid_intake.statuses import Status
from vssid_shared.envelope import CloudEvent, new_event
from vssid_shared.jsonable import to_jsonable
from vssid_shared.mongo import Doc
from vssid_shared.outbox import PENDING, pending
from vssid_shared.shredding import destroy_key, service_sealer
from vssid_shared.subjects import Event

WITHDRAWABLE = (Status.SUBMITTED, Status.AWAITING_VERIFICATION)
WITHDRAWN = "withdrawn"
CLOSED_LABEL = {
    "verified": "đã được xác minh",
    "rejected": "đã bị từ chối",
    "expired": "đã hết hạn",
}


class NotDeletableError(IntakeError):
    """Verified, rejected or expired: the office holds the case now, and answers for it."""

    status = 409
    code = "not_deletable"
    message = "Hồ sơ đã được xử lý, không thể xóa tại đây."

    def __init__(self, status: str, office: dict[str, Any]) -> None:
        name = office.get("name") or f"BHXH {office.get('code', '')}".strip()
        contact = ", ".join(
            part
            for part in (
                f"điện thoại {office['phone']}" if office.get("phone") else "",
                f"địa chỉ {office['address']}" if office.get("address") else "",
            )
            if part
        )
        super().__init__(
            f"Hồ sơ {CLOSED_LABEL.get(status, status)}, không thể xóa hoặc rút lại trên ứng "
            f"dụng. Để yêu cầu xem, sửa hoặc xóa dữ liệu cá nhân, vui lòng liên hệ {name}"
            + (f" ({contact})" if contact else "")
            + "."
        )


async def export_declaration(intake: Intake, declaration_id: str, token: str) -> dict[str, Any]:
    """Everything intake holds about the applicant for this declaration, as JSON."""
    doc = await intake.load(declaration_id, token)
    view = declaration_view(doc, intake.store)
    fields = intake.store.open_fields(doc) if doc.get("fields_sealed") else {}
    images = [
        {k: meta.get(k) for k in ("kind", "content_type", "width", "height", "sha256", "size")}
        for meta in doc.get("images", {}).values()
    ]
    exported: dict[str, Any] = to_jsonable(
        {
            "id": doc["_id"],
            "status": doc["status"],
            "reference": doc.get("reference"),
            "created_at": doc.get("created_at"),
            "submitted_at": doc.get("submitted_at"),
            "fields": {k: v for k, v in fields.items() if k != "consent"},
            "consent": fields.get("consent"),
            "images": sorted(images, key=lambda i: str(i["kind"])),
            "timeline": view["timeline"],
            "findings": view["enrichment"],
            "exported_at": intake.clock(),
        }
    )
    return exported


async def delete_declaration(intake: Intake, declaration_id: str, token: str) -> Doc | None:
    """A draft: discarded (None). Submitted, not yet decided: withdrawn (the tombstone)."""
    doc = await intake.load(declaration_id, token)
    status = doc["status"]
    if status == Status.DRAFT:
        await _discard(intake, doc)
        return None
    if status == WITHDRAWN:
        return doc  # a repeated DELETE answers the same
    if status not in WITHDRAWABLE:
        agency = intake.agencies.get(doc.get("agency_code") or "")
        raise NotDeletableError(status, agency.public() if agency else {})
    return await _withdraw(intake, doc, token)


async def _discard(intake: Intake, doc: Doc) -> None:
    for meta in doc.get("images", {}).values():
        await intake.vault.delete(meta["file_id"])
    await intake.store.collection.delete_one({"_id": doc["_id"], "status": Status.DRAFT})
    await destroy_key(intake.keys, doc["_id"], "discarded", intake.clock())


async def _withdraw(intake: Intake, doc: Doc, token: str) -> Doc:
    now = intake.clock()
    event = withdrawn_event(intake, doc, intake.store.open_fields(doc))
    result = await intake.store.collection.update_one(
        {"_id": doc["_id"], "status": {"$in": list(WITHDRAWABLE)}},
        {
            "$set": {"status": WITHDRAWN, "withdrawn_at": now, "images": {}},
            "$unset": {"fields_sealed": "", "enrichment_sealed": "", "id_number_hash": ""},
            "$push": {"timeline": {"status": WITHDRAWN, "at": now}, PENDING: pending(event)},
        },
    )
    if result.modified_count:
        # The key first: from here on no copy opens, whatever happens to the steps below.
        await destroy_key(intake.keys, doc["_id"], "withdrawn", now)
        for meta in doc.get("images", {}).values():
            await intake.vault.delete(meta["file_id"])
        intake.relay.kick()
    return await intake.load(doc["_id"], token)


def withdrawn_event(intake: Intake, doc: Doc, fields: dict[str, Any]) -> CloudEvent:
    """Tells review (the case leaves the queue) and the notifier (the confirmation mail).

    The name and mail address for that one mail are sealed under the service key, not the
    data key about to be destroyed; the stream's age limit bounds how long they stay.
    """
    agency = intake.agencies.get(doc.get("agency_code") or "")
    contact = {k: fields.get(k) for k in ("full_name", "email", "social_insurance_number")}
    data = {
        "reference": doc.get("reference"),
        "agency": to_jsonable(agency.public()) if agency else {"code": doc.get("agency_code")},
        "withdrawn_at": intake.clock().isoformat(),
        "sealed": service_sealer(intake.keys.events).seal_json(contact, doc["_id"]),
    }
    return new_event(
        Event.WITHDRAWN,
        source=SOURCE,
        declaration_id=doc["_id"],
        agency_code=doc.get("agency_code") or "0000",
        data=data,
    )
