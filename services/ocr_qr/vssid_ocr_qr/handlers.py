"""ocr_qr's use cases: a submitted declaration's photos into checked facts; autofill decodes.

Each is a function of its command and the ports it needs (`deps`), so a test hands it fakes.
"""

from __future__ import annotations

import hashlib
from typing import Any

from vssid_ocr_qr.domain.decode_answers import (
    BAD_REQUEST,
    UPLOAD_MISSING,
    answer_for_photo,
    answer_for_text,
)
from vssid_ocr_qr.domain.findings import (
    Finding,
    qr_not_a_card,
    qr_not_found,
    reused_image_finding,
    split_by_agency,
    tampered_image,
    unreadable_image,
)
from vssid_ocr_qr.domain.scan import (
    ID_SIDES,
    PHOTO_ORDER,
    as_dicts,
    compare,
    qr_summary,
    sealed_scan,
)
from vssid_ocr_qr.ports import SCANS, DecodeDeps, ScanDeps
from vssid_shared import metrics
from vssid_shared.contracts import CloudEvent, Envelope, Scanned, Submitted, new_event
from vssid_shared.contracts.envelope import echo
from vssid_shared.storage_errors import ImageNotFoundError
from vssid_shared.subjects import QR_UPLOAD_KIND, Event

SOURCE = "vssid/ocr_qr"


async def scan_declaration(
    event: Envelope[Submitted], *, deps: ScanDeps, first_delivery: bool = False
) -> None:
    """Check the photos, decode the ID card's QR, cross-check, queue `scanned` once.

    A message JetStream delivers for the first time is scanned without asking whether it was
    scanned already (one query per declaration, issue 13): the record's insert is what makes
    `scanned` once (a copy's insert collides on `_id` and queues nothing). A redelivery (a
    crash, a nak, an ack wait run out) and a reconciler's copy ask first, so that the photo
    work is not done again for them; a duplicate publish past JetStream's window (rare) is
    scanned again and stored nothing."""
    if (not first_delivery or event.data.reconciled) and await deps.scans.exists(event.subject):
        # A redelivery: the relay publishes what the first run stored. A reconciler's copy
        # means the `scanned` went missing downstream: queue it again, under a fresh id.
        if event.data.reconciled:
            await resend_scanned(event, deps=deps)
        return
    submitted = event.data
    typed: dict[str, Any] = deps.sealer.open_json(submitted.sealed, event.subject)
    qr, findings = await scan_photos(event, deps=deps)
    metrics.findings_reported([f.code for f in findings])
    scanned = scanned_event(event, typed, qr, findings, deps=deps)
    summary = {
        "reference": submitted.reference,
        "qr": scanned.data["qr"],
        "findings": scanned.data["findings"],
        "image_sha256": sorted(ref.sha256 for ref in submitted.images.values()),
    }
    if await deps.scans.record(event.subject, summary, scanned, deps.clock()):
        deps.outbox.kick_first(SCANS, event.subject, [scanned])


async def resend_scanned(event: Envelope[Submitted], *, deps: ScanDeps) -> None:
    """A reconciler's `submitted` for a declaration already scanned: its `scanned` again."""
    stored = await deps.scans.stored_event(event.subject)
    cause = CloudEvent.model_validate(event.wire())
    if stored and await deps.scans.requeue(event.subject, echo(stored, cause)):
        deps.outbox.kick()


async def scan_photos(
    event: Envelope[Submitted], *, deps: ScanDeps
) -> tuple[dict[str, Any] | None, list[Finding]]:
    """Quality findings for every photo; the card QR from the first ID side that has one;
    a reused-photo finding after each photo whose bytes other declarations were sent with."""
    by_kind: dict[str, list[Finding]] = {}
    sighted: dict[str, str] = {}  # kind -> sha256 of the photos checked (not tampered, readable)
    qr: dict[str, Any] | None = None
    images = event.data.images
    # All of them in one round trip; a missing one fails the scan, as it did read one by one.
    wanted = {kind: images[kind].file_id for kind in PHOTO_ORDER if kind in images}
    photos = await deps.photos.get_all(event.subject, wanted)
    for kind in PHOTO_ORDER:
        ref = images.get(kind)
        if ref is None:
            continue
        findings = by_kind[kind] = []
        raw = photos[kind]
        if hashlib.sha256(raw).hexdigest() != ref.sha256:
            findings.append(tampered_image(kind))
            continue
        seen = await deps.inspect(kind, raw, kind in ID_SIDES and qr is None)
        if seen.get("unreadable"):
            findings.append(unreadable_image(kind))
            continue
        findings += [Finding(**found) for found in seen["findings"]]
        if seen["card"] and qr is None:
            qr = {**seen["card"], "side": kind}
        if seen.get("rejected"):
            findings.append(qr_not_a_card(kind))
        sighted[kind] = ref.sha256
    await _reused_photos(event, sighted, by_kind, deps=deps)
    found = [finding for findings in by_kind.values() for finding in findings]
    if qr is None:
        found.append(qr_not_found())
    return qr, found


async def _reused_photos(
    event: Envelope[Submitted],
    sighted: dict[str, str],
    by_kind: dict[str, list[Finding]],
    *,
    deps: ScanDeps,
) -> None:
    """Sightings written first, then looked up: of two declarations scanned at the same
    moment with the same bytes, the later reader sees the other. All photos of the
    declaration in one write and one lookup, not one each.

    Every photo it was submitted with is sighted (as its scan record lists them all, which
    the lookup asked too before the sightings held the older scans), the checked ones looked
    up: the sightings alone answer what the two collections did (issue 13)."""
    claimed = sorted({ref.sha256 for ref in event.data.images.values()})
    if claimed:
        await deps.scans.sight_all(claimed, event.subject, event.data.reference)
    if not sighted:
        return
    hashes = list(sighted.values())
    others = await deps.scans.references_by_image(hashes, event.subject)
    for kind, sha256 in sighted.items():
        if references := others.get(sha256):
            own, foreign = split_by_agency(references, event.agency)
            by_kind[kind].append(reused_image_finding(kind, own, foreign))


def scanned_event(
    event: Envelope[Submitted],
    typed: dict[str, Any],
    qr: dict[str, Any] | None,
    findings: list[Finding],
    *,
    deps: ScanDeps,
) -> CloudEvent:
    """`scanned`: review's case and intake's enrichment, the personal part sealed."""
    submitted = event.data
    discrepancies = compare(typed, qr)
    data = Scanned.model_validate(
        {
            # What review needs downstream, carried forward from `submitted`.
            **submitted.model_dump(
                include={
                    "reference",
                    "submitted_at",
                    "agency",
                    "send_email_copy",
                    "images",
                    "sin_findings",
                    "account_sealed",
                }
            ),
            "qr": qr_summary(qr),
            "findings": as_dicts(findings),
            "discrepancy_fields": [d.field for d in discrepancies],
            "sealed": deps.sealer.seal_json(sealed_scan(typed, qr, discrepancies), event.subject),
        }
    )
    return new_event(
        Event.SCANNED,
        source=SOURCE,
        declaration_id=event.subject,
        agency_code=event.agency,
        data=data,
        clock=deps.clock,
        correlation_id=event.correlationid,
    )


async def decode_photo(
    data: bytes, deadline: float | None = None, *, deps: DecodeDeps
) -> dict[str, Any]:
    """Autofill: one photo sent inline; the card's fields or an error intake shows."""
    return answer_for_photo(await deps.decode(data, deadline))


async def decode_request(
    request: dict[str, Any], deadline: float | None = None, *, deps: DecodeDeps
) -> dict[str, Any]:
    """Autofill: a QR payload as text, or a claim-check on a photo stored for the decode."""
    if isinstance(request.get("payload"), str):
        return answer_for_text(request["payload"])
    upload_id = request.get("upload_id")
    file_id = request.get("file_id")
    if not isinstance(upload_id, str) or not isinstance(file_id, str):
        return {"error": BAD_REQUEST}
    try:
        photo = await deps.uploads.get(file_id, upload_id, QR_UPLOAD_KIND)
    except ImageNotFoundError:
        return {"error": UPLOAD_MISSING}
    return await decode_photo(photo, deadline, deps=deps)


__all__ = [
    "decode_photo",
    "decode_request",
    "resend_scanned",
    "scan_declaration",
    "scan_photos",
]
