"""The applicant withdrew a submitted declaration: the case leaves the queue, and its history
says why (the personal data is already unreadable: intake destroyed the data key)."""

from __future__ import annotations

from vssid_review.domain import DECIDABLE, CaseStatus
from vssid_review.handlers import Review
from vssid_shared.envelope import CloudEvent

REASON = (
    "Người nộp hồ sơ đã rút lại hồ sơ trên ứng dụng; dữ liệu cá nhân đã bị xóa theo yêu cầu "
    "(Luật Bảo vệ dữ liệu cá nhân 91/2025/QH15)."
)


async def on_withdrawn(review: Review, event: CloudEvent) -> None:
    """Once per case whatever the redelivery count; a decided case is left as decided."""
    result = await review.cases.collection.update_one(
        {"_id": event.subject, "status": {"$in": list(DECIDABLE)}},
        {
            "$set": {"status": CaseStatus.WITHDRAWN, "decided_at": event.time, "sealed": None},
            "$unset": {"name_hash": "", "id_number_hash": ""},
        },
    )
    if result.modified_count:
        entry = {
            "at": event.time,
            "event_id": event.id,
            "operator": None,
            "action": "withdrawn",
            "reason": REASON,
        }
        await review.cases.audit(event.subject, entry, entry_id=f"{event.subject}:withdrawn")
