"""ocr_qr's use case: turn a submitted declaration's ID photos into checked facts."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from vssid_ocr_qr.adapters.scans import ScanStore
from vssid_ocr_qr.crosscheck import Discrepancy, cross_check_bhyt, cross_check_cccd
from vssid_ocr_qr.findings import (
    Finding,
    qr_not_a_card,
    qr_not_found,
    tampered_image,
    unreadable_image,
)
from vssid_ocr_qr.quality import reused_image_finding, split_by_agency
from vssid_shared.clock import Clock
from vssid_shared.crypto import Keys
from vssid_shared.envelope import CloudEvent, new_event
from vssid_shared.images import ImageVault
from vssid_shared.outbox import OutboxRelay
from vssid_shared.reconcile import echo, is_reconciled
from vssid_shared.subjects import Event

SOURCE = "vssid/ocr_qr"
# New Căn cước cards carry the QR on the back; older chip cards on the front: try both.
ID_SIDES = ("id_back", "id_front")

# What review and notifier need downstream, carried forward from `submitted`.
CARRIED = (
    "reference",
    "submitted_at",
    "agency",
    "send_email_copy",
    "images",
    # intake's findings about the typed social-insurance number and the sealed account state.
    "sin_findings",
    "account_sealed",
)

# New Căn cước cards carry the QR on the back, older chip cards on the front; portrait last.
PHOTO_ORDER = ("id_back", "id_front", "portrait")
Inspect = Callable[[str, bytes, bool], Awaitable[dict[str, Any]]]


@dataclass
class Scanner:
    store: ScanStore
    vault: ImageVault
    keys: Keys
    relay: OutboxRelay
    clock: Clock
    inspect: Inspect

    async def on_submitted(self, event: CloudEvent) -> None:
        """Check the photos, decode the ID card's QR, cross-check, publish `scanned` once."""
        if await self.store.exists(event.subject):
            # A redelivery: the relay publishes what the first run stored. A reconciler's copy
            # means the `scanned` went missing downstream: queue it again, under a fresh id.
            if is_reconciled(event):
                await self.resend_scanned(event)
            return
        typed: dict[str, Any] = self.keys.events.open_json(event.data["sealed"], event.subject)
        qr, findings = await self.scan_photos(event)
        discrepancies = self.compare(typed, qr)
        scanned = self.scanned_event(event, typed, qr, findings, discrepancies)
        summary = {
            "reference": event.data["reference"],
            "qr": scanned.data["qr"],
            "findings": scanned.data["findings"],
            "image_sha256": sorted(i["sha256"] for i in event.data["images"].values()),
        }
        if await self.store.record(event.subject, summary, scanned, self.clock()):
            self.relay.kick()

    async def resend_scanned(self, submitted: CloudEvent) -> None:
        stored = await self.store.stored_event(submitted.subject)
        if stored and await self.store.requeue(submitted.subject, echo(stored, submitted)):
            self.relay.kick()

    async def scan_photos(self, event: CloudEvent) -> tuple[dict[str, Any] | None, list[Finding]]:
        """Quality findings for every photo; the card QR from the first ID side that has one."""
        findings: list[Finding] = []
        qr: dict[str, Any] | None = None
        for kind in PHOTO_ORDER:
            ref = event.data["images"].get(kind)
            if not ref:
                continue
            raw = await self.vault.get(ref["file_id"], event.subject, kind)
            if hashlib.sha256(raw).hexdigest() != ref["sha256"]:
                findings.append(tampered_image(kind))
                continue
            seen = await self.inspect(kind, raw, kind in ID_SIDES and qr is None)
            if seen.get("unreadable"):
                findings.append(unreadable_image(kind))
                continue
            findings += [Finding(**found) for found in seen["findings"]]
            if seen["card"] and qr is None:
                qr = {**seen["card"], "side": kind}
            if seen.get("rejected"):
                findings.append(qr_not_a_card(kind))
            await self.store.sight(ref["sha256"], event.subject, event.data.get("reference"))
            if others := await self.store.references_with_images([ref["sha256"]], event.subject):
                own, foreign = split_by_agency(others, event.agency)
                findings.append(reused_image_finding(kind, own, foreign))
        if qr is None:
            findings.append(qr_not_found())
        return qr, findings

    @staticmethod
    def compare(typed: dict[str, Any], qr: dict[str, Any] | None) -> list[Discrepancy]:
        if qr is None:
            return []
        if qr["kind"] == "cccd":
            return cross_check_cccd(typed, qr["fields"])
        return cross_check_bhyt(typed, qr["fields"])

    def scanned_event(
        self,
        submitted: CloudEvent,
        typed: dict[str, Any],
        qr: dict[str, Any] | None,
        findings: list[Finding],
        discrepancies: list[Discrepancy],
    ) -> CloudEvent:
        sealed = {
            "card": qr["fields"] if qr else None,
            "discrepancies": [d.as_dict() for d in discrepancies],
            "declaration": typed,
        }
        carried = {k: submitted.data.get(k) for k in CARRIED}
        data = {
            **carried,
            "qr": {k: qr[k] for k in ("kind", "side", "engine")} | {"found": True}
            if qr
            else {"found": False},
            "findings": [f.as_dict() for f in findings],
            "discrepancy_fields": [d.field for d in discrepancies],
            "sealed": self.keys.events.seal_json(sealed, submitted.subject),
        }
        return new_event(
            Event.SCANNED,
            source=SOURCE,
            declaration_id=submitted.subject,
            agency_code=submitted.agency,
            data=data,
            clock=self.clock,
            correlation_id=submitted.correlationid,
        )
