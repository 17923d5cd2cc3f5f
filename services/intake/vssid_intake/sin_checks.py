"""What the clerk must know about the social-insurance number a declaration types.

Against account takeover by re-registering (issue 10): a stranger may type someone else's
number with their own name and ID card. At submit intake compares the number with the
registry (accent-free name key and birth date) and looks for an active account; both travel to
review with the `submitted` event (through ocr_qr's `scanned`), where the case shows them.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from vssid_intake.adapters.accounts import AccountStore
from vssid_intake.adapters.declarations import DeclarationStore
from vssid_intake.adapters.registry import RegistryStore
from vssid_shared.crypto import KeyedHasher
from vssid_shared.mongo import Doc
from vssid_shared.text import name_key

REGISTRY_MISMATCH = {
    "code": "sin_registry_mismatch",
    "severity": "error",
    "message": "Mã số BHXH trong tờ khai thuộc về một người khác trong cơ sở dữ liệu BHXH "
    "(họ tên hoặc ngày sinh không khớp). Không xác minh nếu người nộp không phải chủ mã số.",
    "image": None,
}
REGISTRY_UNKNOWN = {
    "code": "sin_not_in_registry",
    "severity": "warning",
    "message": "Không tìm thấy mã số BHXH trong tờ khai trong cơ sở dữ liệu người tham gia "
    "BHXH; cần đối chiếu sổ BHXH hoặc thẻ BHYT của người nộp.",
    "image": None,
}


def mask_phone(phone: str | None) -> str | None:
    """`+84901234567` or `0901234567` → `090****567`: enough for the clerk to ask "is this
    your number?" (phones are stored in E.164; clerks read the national form)."""
    if not phone:
        return None
    digits = phone.strip()
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 6)}{digits[-3:]}"


def account_active_finding(since: str | None, phone_masked: str | None) -> dict[str, Any]:
    when = f" từ {since[:10]}" if since else ""
    where = f" (điện thoại đã đăng ký {phone_masked})" if phone_masked else ""
    return {
        "code": "account_already_active",
        "severity": "error",
        "message": f"Mã số BHXH này đã có tài khoản VssID đang hoạt động{when}{where}. Không "
        "được xác minh thường; chỉ khi chính chủ tài khoản đến trực tiếp mới chọn «Cấp lại "
        "mật khẩu»: mật khẩu mới được gửi đến điện thoại đã đăng ký của chủ tài khoản.",
        "image": None,
    }


@dataclass(frozen=True)
class Owner:
    """The registered contact of an active account: from the declaration that created it."""

    declaration_id: str
    phone: str | None
    email: str | None
    full_name: str | None


@dataclass
class SinChecks:
    registry: RegistryStore
    accounts: AccountStore
    declarations: DeclarationStore
    lookup: KeyedHasher

    def _person_key(self, full_name: str, date_of_birth: str) -> str:
        return self.lookup(f"person:{name_key(full_name)}|{date_of_birth}")

    async def registry_findings(self, fields: dict[str, Any]) -> list[dict[str, Any]]:
        """A finding when the registry has the number for someone else, or not at all."""
        person = await self.registry.by_number(fields["social_insurance_number"])
        if person is None:
            return [REGISTRY_UNKNOWN]
        # Compared as keyed hashes of the accent-free name key and the birth date.
        typed = self._person_key(fields["full_name"], str(fields["date_of_birth"]))
        listed = self._person_key(person["full_name"], str(person["date_of_birth"]))
        return [] if typed == listed else [REGISTRY_MISMATCH]

    async def owner(self, account: Doc) -> Owner | None:
        """The owner's registered phone and e-mail; None when that declaration is gone."""
        declaration_id = account.get("contact_from") or account.get("activated_by")
        doc = await self.declarations.get(declaration_id) if declaration_id else None
        if doc is None:
            return None
        fields = self.declarations.open_fields(doc)
        return Owner(doc["_id"], fields.get("phone"), fields.get("email"), fields.get("full_name"))

    async def account_state(self, social_insurance_number: str) -> dict[str, Any] | None:
        """The active account for this number as the clerk is shown it, or None."""
        account = await self.accounts.get(self.accounts.key(social_insurance_number))
        if account is None:
            return None
        owner = await self.owner(account)
        since = account.get("activated_at")
        return {
            "active": True,
            "since": since.isoformat() if isinstance(since, datetime) else since,
            "phone_masked": mask_phone(owner.phone if owner else None),
        }

    async def for_submit(
        self, fields: dict[str, Any]
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """The findings and account state the `submitted` event carries to review."""
        # Two independent reads: one round trip's wait, not two, on the submit path.
        findings, account = await asyncio.gather(
            self.registry_findings(fields), self.account_state(fields["social_insurance_number"])
        )
        if account:
            findings.append(account_active_finding(account["since"], account["phone_masked"]))
        return findings, account
