"""Intake's declaration use cases: `verb_object(command, *, deps)`, given ports, never drivers.

Drafts, photos and submission for the applicant; reacting to other services' events (`scanned`
and the status events); re-sending stuck declarations; the autofills (QR decode, registry
lookup) and the agency list. Account use cases are in `account_handlers`.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from vssid_intake.domain.consent import consent_problems, consent_record, take_consent
from vssid_intake.domain.errors import (
    ConflictError,
    InvalidFieldsError,
    NotDeletableError,
    NotFoundError,
    ReferenceTakenError,
)
from vssid_intake.domain.fields import (
    apply_submit_defaults,
    check_submittable,
    merge_draft,
    normalize_fields,
)
from vssid_intake.domain.images import check_pixels, process_image
from vssid_intake.domain.reference import new_reference
from vssid_intake.domain.registry import match_material
from vssid_intake.domain.rights import WITHDRAWABLE, WITHDRAWN
from vssid_intake.domain.sin_findings import (
    REGISTRY_MISMATCH,
    REGISTRY_UNKNOWN,
    Owner,
    account_active_finding,
    mask_phone,
    person_material,
)
from vssid_intake.domain.statuses import PREDECESSORS, STATUS_BY_EVENT, Status
from vssid_intake.ports import DECLARATIONS, AgencySource, Deps, ReconcilePolicy
from vssid_shared import metrics, reconcile
from vssid_shared.clock import as_stored
from vssid_shared.contracts import (
    AgencyCard,
    Envelope,
    FindingData,
    ImageRef,
    Scanned,
    StatusChanged,
    Submitted,
    Withdrawn,
)
from vssid_shared.crypto import new_token, token_hash
from vssid_shared.data_keys import create_key, destroy_key, load_key, service_sealer
from vssid_shared.doc import Doc
from vssid_shared.envelope import CloudEvent, new_event
from vssid_shared.jsonable import to_jsonable
from vssid_shared.retention import Retention, is_due
from vssid_shared.subjects import QR_UPLOAD_KIND, RPC_INLINE_PHOTO_HEADER, Event

SOURCE = "vssid/intake"
log = logging.getLogger(__name__)
REFERENCE_DRAWS = 5  # a collision of 25^6 references is rare; five in a row means trouble


# --- commands ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateDeclaration:
    fields: dict[str, Any]
    client: str | None = None  # the caller's address, stamped on a consent given


@dataclass(frozen=True)
class ReadDeclaration:
    declaration_id: str
    token: str


@dataclass(frozen=True)
class UpdateDeclaration:
    declaration_id: str
    token: str
    fields: dict[str, Any]
    client: str | None = None


@dataclass(frozen=True)
class PutImage:
    declaration_id: str
    token: str
    kind: str
    data: bytes
    # The declaration as this request already read it (the route refuses strangers before
    # reading the body): not read a second time. Its token is still checked here.
    seen: Doc | None = None


@dataclass(frozen=True)
class SubmitDeclaration:
    declaration_id: str
    token: str
    idempotency_key: str | None = None


@dataclass(frozen=True)
class ExportDeclaration:
    declaration_id: str
    token: str


@dataclass(frozen=True)
class DeleteDeclaration:
    declaration_id: str
    token: str


@dataclass(frozen=True)
class Export:
    """Everything intake holds about the applicant for one declaration."""

    doc: Doc
    fields: dict[str, Any]
    exported_at: datetime


@dataclass(frozen=True)
class ListAgencies:
    province_code: str | None = None


@dataclass(frozen=True)
class DecodeQrPayload:
    payload: str


@dataclass(frozen=True)
class DecodeQrPhoto:
    data: bytes


@dataclass(frozen=True)
class LookupInsured:
    full_name: str
    date_of_birth: date
    province_code: str


# --- drafts and submission --------------------------------------------------------------------


async def read_declaration(command: ReadDeclaration, *, deps: Deps) -> Doc:
    doc = await deps.declarations.get(command.declaration_id)
    # Another declaration's token is told 'not found': no hint that the id exists.
    if doc is None or doc.get("token_hash") != token_hash(command.token):
        raise NotFoundError
    await load_key(deps.keys, command.declaration_id)
    return doc


def _normalize(raw: dict[str, Any], deps: Deps, client: str | None) -> dict[str, Any]:
    raw, consent, refused, named = take_consent(raw, deps.consents)
    fields, errors = normalize_fields(raw, today=deps.today())
    if blocking := [e for e in errors if e.severity == "error"] + refused:
        raise InvalidFieldsError(blocking)
    jsonable: dict[str, Any] = to_jsonable(fields)
    if named:  # the consent record, stamped here (time, client address), never by a client
        jsonable["consent"] = consent_record(consent, deps.clock(), client)
    return jsonable


async def create_declaration(command: CreateDeclaration, *, deps: Deps) -> tuple[Doc, str]:
    """A new draft and its access token (shown once; only its hash is kept)."""
    fields = _normalize(command.fields, deps, command.client)
    declaration_id, token = str(uuid.uuid4()), new_token()
    now = deps.clock()
    await create_key(deps.keys, declaration_id, now)  # its own data key (crypto-shredding)
    doc = await deps.declarations.create(declaration_id, token_hash(token), fields, now)
    return doc, token


async def update_declaration(command: UpdateDeclaration, *, deps: Deps) -> Doc:
    read = ReadDeclaration(command.declaration_id, command.token)
    doc = await read_declaration(read, deps=deps)
    if doc["status"] != Status.DRAFT:
        raise ConflictError
    changes = _normalize(command.fields, deps, command.client)
    fields = to_jsonable(merge_draft(deps.declarations.open_fields(doc), changes))
    saved = await deps.declarations.save_fields(
        command.declaration_id, fields, deps.clock(), seen=doc
    )
    if saved is None:
        raise ConflictError
    return saved


async def put_image(command: PutImage, *, deps: Deps) -> dict[str, Any]:
    """Checks, re-encodes and stores one photo; the one it replaces is deleted."""
    doc = command.seen
    if doc is None or doc.get("token_hash") != token_hash(command.token):
        read = ReadDeclaration(command.declaration_id, command.token)
        doc = await read_declaration(read, deps=deps)
    # A stale `seen` is harmless: the photo's write is conditional on a draft and on the
    # photo it replaces (`set_image`).
    if doc["_id"] != command.declaration_id or doc["status"] != Status.DRAFT:
        raise ConflictError
    limits = deps.limits
    image = await asyncio.to_thread(
        process_image,
        command.data,
        max_bytes=limits.max_image_bytes,
        max_pixels=limits.max_image_pixels,
    )
    meta = {
        "kind": command.kind,
        "content_type": image.content_type,
        "width": image.width,
        "height": image.height,
        "sha256": image.sha256,
        "size": len(image.data),
    }
    file_id = await deps.images.put(command.declaration_id, command.kind, image.data, meta)
    before = await deps.declarations.set_image(
        command.declaration_id, command.kind, {**meta, "file_id": file_id}, deps.clock(), seen=doc
    )
    if before is None:
        await deps.images.delete(file_id)
        raise ConflictError
    if old := before.get("images", {}).get(command.kind):
        await deps.images.delete(old["file_id"])
    return meta


async def submit_declaration(command: SubmitDeclaration, *, deps: Deps) -> Doc:
    """Checks the draft, draws a reference and queues `submitted`, once; a retry with the same
    Idempotency-Key gets the same answer."""
    doc = await read_declaration(ReadDeclaration(command.declaration_id, command.token), deps=deps)
    key = command.idempotency_key
    key_hash = token_hash(key) if key else None
    if doc["status"] != Status.DRAFT:
        return _replay(doc, key_hash)
    fields: dict[str, Any] = apply_submit_defaults(deps.declarations.open_fields(doc))
    images = set(doc["images"])
    errors = check_submittable(fields, images, deps.agencies, today=deps.today())
    errors += consent_problems(fields, deps.consents.current(deps.today()))
    if errors:
        raise InvalidFieldsError(errors)
    # For the clerk: the number's registry match and any account it already has.
    findings, account = await sin_checks(fields, deps=deps)
    for _ in range(REFERENCE_DRAWS):
        reference = new_reference(fields["agency_code"])
        event = submitted_event(doc, fields, reference, findings, account, deps=deps)
        try:
            won = await deps.declarations.submit(
                doc["_id"], reference=reference, key_hash=key_hash, event=event
            )
        except ReferenceTakenError:
            continue  # draw again
        deps.outbox.kick_queued(DECLARATIONS, doc["_id"], [event], won)
        if won:  # what the write set, as stored, not read back (issue 13)
            at = as_stored(event.time)
            return {
                **doc,
                "status": Status.SUBMITTED,
                "reference": reference,
                "submit_key_hash": key_hash,
                "submitted_at": at,
                "timeline": [*doc["timeline"], {"status": Status.SUBMITTED, "at": at}],
            }
        fresh = await deps.declarations.get(doc["_id"])
        assert fresh is not None
        return _replay(fresh, key_hash)
    raise ConflictError("Không tạo được mã hồ sơ, vui lòng thử lại.")


def _replay(doc: Doc, key_hash: str | None) -> Doc:
    """The same Idempotency-Key gets the same answer; anything else is a conflict."""
    if key_hash is not None and doc.get("submit_key_hash") == key_hash:
        return doc
    raise ConflictError


def submitted_event(
    doc: Doc,
    fields: dict[str, Any],
    reference: str,
    sin_findings: list[dict[str, Any]] | None = None,
    account: dict[str, Any] | None = None,
    *,
    deps: Deps,
    submitted_at: datetime | None = None,
) -> CloudEvent:
    agency = deps.agencies.get(fields["agency_code"])
    images = {
        kind: {k: meta[k] for k in ("file_id", "sha256", "content_type")}
        for kind, meta in doc["images"].items()
    }
    seal = deps.keys.events.seal_json
    data = Submitted(
        reference=reference,
        submitted_at=submitted_at or deps.clock(),
        agency=AgencyCard.model_validate(
            to_jsonable(agency.public()) if agency else {"code": fields["agency_code"]}
        ),
        send_email_copy=bool(fields.get("send_email_copy")),
        images={kind: ImageRef.model_validate(ref) for kind, ref in images.items()},
        sealed=seal(fields, doc["_id"]),
        # Additive (v1): findings about the typed social-insurance number (no personal
        # data in them) and, sealed, the active account it already has (since, masked phone).
        sin_findings=[FindingData.model_validate(f) for f in sin_findings or []],
        account_sealed=seal(account, doc["_id"]) if account else None,
    )
    return new_event(
        Event.SUBMITTED,
        source=SOURCE,
        declaration_id=doc["_id"],
        agency_code=fields["agency_code"],
        data=data,
        clock=deps.clock,
    )


# --- the applicant's rights (Law 91/2025/QH15, CONTRACT §3) -----------------------------------
#
# See everything held (export), discard a draft, withdraw a submitted declaration. Discarding
# or withdrawing destroys the declaration's data key (`vssid_shared.shredding`): every sealed
# copy, stream history included, becomes unreadable at once; what stays is a tombstone without
# personal data (status, reference, timeline) until its retention ends.


async def export_declaration(command: ExportDeclaration, *, deps: Deps) -> Export:
    doc = await read_declaration(ReadDeclaration(command.declaration_id, command.token), deps=deps)
    # Nothing for a tombstone: its fields are gone (and `open_fields` answers `{}`).
    return Export(doc, deps.declarations.open_fields(doc), deps.clock())


async def delete_declaration(command: DeleteDeclaration, *, deps: Deps) -> Doc | None:
    """A draft: discarded (None). Submitted, not yet decided: withdrawn (the tombstone)."""
    read = ReadDeclaration(command.declaration_id, command.token)
    doc = await read_declaration(read, deps=deps)
    status = doc["status"]
    if status == Status.DRAFT:
        await _discard(doc, deps)
        return None
    if status == WITHDRAWN:
        return doc  # a repeated DELETE answers the same
    if status not in WITHDRAWABLE:
        agency = deps.agencies.get(doc.get("agency_code") or "")
        raise NotDeletableError(status, agency.public() if agency else {})
    now = deps.clock()
    event = withdrawn_event(doc, deps.declarations.open_fields(doc), deps=deps)
    if await deps.declarations.withdraw(doc["_id"], event, now):
        # The key first: from here on no copy opens, whatever happens to the steps below.
        await destroy_key(deps.keys, doc["_id"], "withdrawn", now)
        for meta in doc.get("images", {}).values():
            await deps.images.delete(meta["file_id"])
        deps.outbox.kick(DECLARATIONS)
    return await read_declaration(read, deps=deps)


async def _discard(doc: Doc, deps: Deps) -> None:
    for meta in doc.get("images", {}).values():
        await deps.images.delete(meta["file_id"])
    await deps.declarations.delete_draft(doc["_id"])
    await destroy_key(deps.keys, doc["_id"], "discarded", deps.clock())


def withdrawn_event(doc: Doc, fields: dict[str, Any], *, deps: Deps) -> CloudEvent:
    """Tells review (the case leaves the queue) and the notifier (the confirmation mail).

    The name and mail address for that one mail are sealed under the service key, not the
    data key about to be destroyed; the stream's age limit bounds how long they stay.
    """
    agency = deps.agencies.get(doc.get("agency_code") or "")
    contact = {k: fields.get(k) for k in ("full_name", "email", "social_insurance_number")}
    data = Withdrawn(
        reference=doc.get("reference"),
        agency=AgencyCard.model_validate(
            to_jsonable(agency.public()) if agency else {"code": doc.get("agency_code")}
        ),
        withdrawn_at=deps.clock(),
        sealed=service_sealer(deps.keys.events).seal_json(contact, doc["_id"]),
    )
    return new_event(
        Event.WITHDRAWN,
        source=SOURCE,
        declaration_id=doc["_id"],
        agency_code=doc.get("agency_code") or "0000",
        data=data,
        clock=deps.clock,
    )


async def discard_stale_drafts(retention: Retention, now: datetime, *, deps: Deps) -> int:
    """Retention end for drafts never submitted: untouched for `draft_days` Vietnam days,
    they are discarded with their photos and data key. How many."""
    days = retention.draft_days
    removed = 0
    # A coarse bound the index can serve; `is_due` then decides by Vietnam dates.
    for doc in await deps.declarations.stale_drafts(now - timedelta(days=max(days - 1, 0))):
        if not is_due(doc["updated_at"], days, now):
            continue
        if await deps.declarations.delete_stale_draft(doc["_id"], doc["updated_at"]):
            for meta in (doc.get("images") or {}).values():
                await deps.images.delete(meta["file_id"])
            await destroy_key(deps.keys, doc["_id"], "retention:draft", now)
            removed += 1
    return removed


async def reconcile_and_retain(policy: ReconcilePolicy, *, deps: Deps) -> None:
    """The reconciler's pass: stuck declarations, then (if retention is on) stale drafts."""
    metrics.reconciled({Event.SUBMITTED.value: await resend_stuck_declarations(policy, deps=deps)})
    if policy.retention is not None:
        await discard_stale_drafts(policy.retention, deps.clock(), deps=deps)


# --- what the clerk is told about the typed social-insurance number ----------------------------


async def sin_checks(
    fields: dict[str, Any], *, deps: Deps
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The findings and account state the `submitted` event carries to review."""
    # Two independent reads: one round trip's wait, not two, on the submit path.
    findings, account = await asyncio.gather(
        _registry_findings(fields, deps),
        account_state(fields["social_insurance_number"], deps=deps),
    )
    if account:
        findings.append(account_active_finding(account["since"], account["phone_masked"]))
    return findings, account


async def _registry_findings(fields: dict[str, Any], deps: Deps) -> list[dict[str, Any]]:
    """A finding when the registry has the number for someone else, or not at all."""
    person = await deps.registry.by_number(fields["social_insurance_number"])
    if person is None:
        return [REGISTRY_UNKNOWN]
    # Compared as keyed hashes of the accent-free name key and the birth date.
    typed = deps.lookup(person_material(fields["full_name"], str(fields["date_of_birth"])))
    listed = deps.lookup(person_material(person["full_name"], str(person["date_of_birth"])))
    return [] if typed == listed else [REGISTRY_MISMATCH]


async def account_owner(account: Doc, *, deps: Deps) -> Owner | None:
    """An active account's registered phone and e-mail; None when that declaration is gone."""
    declaration_id = account.get("contact_from") or account.get("activated_by")
    doc = await deps.declarations.get(declaration_id) if declaration_id else None
    if doc is None:
        return None
    await load_key(deps.keys, doc["_id"])  # another declaration than the one at hand
    fields = deps.declarations.open_fields(doc)
    return Owner(doc["_id"], fields.get("phone"), fields.get("email"), fields.get("full_name"))


async def account_state(social_insurance_number: str, *, deps: Deps) -> dict[str, Any] | None:
    """The active account for this number as the clerk is shown it, or None."""
    account = await deps.accounts.get(deps.accounts.key(social_insurance_number))
    if account is None:
        return None
    owner = await account_owner(account, deps=deps)
    since = account.get("activated_at")
    return {
        "active": True,
        "since": since.isoformat() if isinstance(since, datetime) else since,
        "phone_masked": mask_phone(owner.phone if owner else None),
    }


# --- other services' events -------------------------------------------------------------------


async def record_status(event: Envelope[StatusChanged], *, deps: Deps) -> None:
    """review's status events move the declaration forward, never back, once each."""
    status = STATUS_BY_EVENT[event.event]
    entry = {"status": status, "at": event.time}
    # The visit deadline review set when it opened the case, for the applicant's screens
    # (`visit_deadline` in GET /v1/declarations/{id}); every status event carries the same one.
    extra = {"visit_deadline": event.data.deadline.isoformat()}
    if status is Status.AWAITING_VERIFICATION:
        if await _after_scan(event, entry, extra, deps=deps):
            return
    # The usual case (first copy, the next status) is one write; any other takes the steps
    # below, each idempotent, exactly as if that write was not tried.
    elif await deps.declarations.move_on(
        event.subject, event.id, entry, PREDECESSORS[status], extra=extra
    ):
        return
    # Once per status too: a reconciler's re-emit comes under a fresh event id.
    await deps.declarations.record_event(
        event.subject, event.id, entry, extra, once_per_status=True
    )
    await deps.declarations.advance(event.subject, status, PREDECESSORS[status])


async def _after_scan(
    event: Envelope[StatusChanged], entry: Doc, extra: Doc, *, deps: Deps
) -> bool:
    """Review announces `awaiting_verification` once it has the scan, but intake reads the scan
    from its own durable with no order between the two, and the applicant must never see the
    status without the enrichment it announces. Neither event waits for the other: with the
    enrichment stored the status applies now; without it the status is held on the
    declaration and `record_scan` applies it. Each is one conditional write on the one
    document, so whichever comes second sees the first (True: done here).

    False: the declaration is past `submitted` (the timeline still records the status once),
    or the enrichment arrived between the two writes; the plain path is then right, as
    `advance` moves only a `submitted` declaration and this one has its enrichment."""
    declarations = deps.declarations
    before = PREDECESSORS[Status.AWAITING_VERIFICATION]
    if await declarations.move_on(
        event.subject, event.id, entry, before, scanned=True, extra=extra
    ):
        return True
    return await declarations.hold_status(event.subject, event.id, entry, extra)


async def record_scan(event: Envelope[Scanned], *, deps: Deps) -> None:
    """ocr_qr's findings and the card's QR, kept sealed for the applicant's own view; a status
    that came before them (`_after_scan`) applies with them."""
    sealed = deps.keys.events.open_json(event.data.sealed, event.subject)
    enrichment = {
        "qr": event.data.qr.model_dump(mode="json"),
        "findings": [f.model_dump(mode="json") for f in event.data.findings],
        "card": sealed.get("card"),
        "discrepancies": sealed.get("discrepancies", []),
    }
    held = await deps.declarations.set_enrichment(event.subject, enrichment)
    if held is not None:  # a redelivery after a crash between the two writes lands here too
        await deps.declarations.apply_held(event.subject, held)


async def resend_stuck_declarations(policy: ReconcilePolicy, *, deps: Deps) -> int:
    """Declarations still `submitted` after the reconcile period lost something on the way
    (their `submitted`, the `scanned` or the `awaiting_verification`): `submitted` goes again,
    and each service down the line does its work or re-queues what it produced. How many."""
    now = deps.clock()
    stuck = await deps.declarations.stuck_submitted(now, policy.after_seconds, policy.max_attempts)
    claimed = 0
    for doc in stuck:
        await load_key(deps.keys, doc["_id"])  # opened, then sealed again for the event
        fields: dict[str, Any] = apply_submit_defaults(deps.declarations.open_fields(doc))
        event = submitted_event(
            doc, fields, doc["reference"], deps=deps, submitted_at=doc["submitted_at"]
        )
        marked = reconcile.marked(event, reconcile.attempt(doc))
        if await deps.declarations.claim_resend(
            doc["_id"], marked, now, policy.after_seconds, policy.max_attempts
        ):
            log.info(
                "declaration stuck in submitted; sending submitted again",
                extra={"declaration_id": doc["_id"], "attempt": marked.data[reconcile.MARK]},
            )
            claimed += 1
    if claimed:
        log.warning(
            "re-emitted events of stuck declarations",
            extra={"event": Event.SUBMITTED.value, "count": claimed},
        )
        deps.outbox.kick()
    return claimed


# --- autofill and the agency list -------------------------------------------------------------


async def list_agencies(command: ListAgencies, *, deps: Deps) -> list[dict[str, Any]]:
    """Active agencies, of one province if asked ("48" or a CCCD's "048")."""
    today = deps.today()
    if command.province_code is None:
        return [a.public() for a in deps.agencies.active(today)]
    return [a.public() for a in deps.agencies.by_province(command.province_code, today=today)]


async def refresh_agencies(source: AgencySource, *, deps: Deps) -> None:
    """An imported catalog (in MongoDB) wins over the bundled one."""
    if (catalog := await source.load()) is not None:
        deps.agencies = catalog


async def decode_qr_payload(command: DecodeQrPayload, *, deps: Deps) -> dict[str, Any]:
    return await deps.qr_decoder.ask({"payload": command.payload})


async def decode_qr_photo(command: DecodeQrPhoto, *, deps: Deps) -> dict[str, Any]:
    """Inline when it fits one NATS message; else claim-check: the photo waits in GridFS
    (encrypted) only while one worker decodes it."""
    check_pixels(command.data, deps.limits.decode_max_pixels)
    if len(command.data) <= deps.limits.qr_inline_max_bytes:
        return await deps.qr_decoder.ask(command.data, headers={RPC_INLINE_PHOTO_HEADER: "1"})
    upload_id = str(uuid.uuid4())
    file_id = await deps.images.put(upload_id, QR_UPLOAD_KIND, command.data, {})
    try:
        return await deps.qr_decoder.ask({"upload_id": upload_id, "file_id": file_id})
    finally:
        await deps.images.delete(file_id)


async def lookup_insured(command: LookupInsured, *, deps: Deps) -> list[dict[str, Any]]:
    """The registry's people with this name, birth date and province (at most a few)."""
    material = match_material(command.full_name, command.date_of_birth, command.province_code)
    return [
        {k: p[k] for k in ("social_insurance_number", "full_name", "date_of_birth")}
        for p in await deps.registry.find(material)
    ]
