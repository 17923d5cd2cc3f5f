"""ocr_qr's use cases with fakes: the scan of a submitted declaration and autofill decodes."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from tests.fakes import FakeDecoder, FakeInspector, FakeOutbox, FakePhotos, FakeScans
from tests.support.clock import START, FrozenClock
from vssid_ocr_qr.handlers import decode_photo, decode_request, scan_declaration
from vssid_ocr_qr.ports import DecodeDeps, ScanDeps
from vssid_shared.clock import utc_now
from vssid_shared.contracts import CloudEvent, Envelope, Scanned, Submitted, new_event, parse_event
from vssid_shared.crypto import Keys
from vssid_shared.reconcile import marked
from vssid_shared.subjects import QR_UPLOAD_KIND, Event

KEYS = Keys("unit-test-secret-unit-test-secret")
DECLARATION = "d-1"
TYPED: dict[str, Any] = {
    "full_name": "Nguyễn Văn Bảo",
    "date_of_birth": "1990-03-15",
    "gender": "male",
    "address": "Tổ 5, Phường Chính Gián, Quận Thanh Khê, Đà Nẵng",
    "id_document": {"type": "cccd", "number": "048090900101", "issued_on": "2021-05-12"},
}
CARD = {
    "kind": "cccd",
    "engine": "zxing",
    "step": "plain",
    "fields": {
        "id_number": "048090900101",
        "full_name": "NGUYỄN VĂN BẢO",
        "date_of_birth": "1990-03-16",  # one day off: a discrepancy
        "gender": "male",
        "address": "Tổ 5, Phường Chính Gián, Quận Thanh Khê, Đà Nẵng",
        "issued_on": "2021-05-12",
    },
}


class World:
    def __init__(self) -> None:
        self.scans, self.photos, self.outbox = FakeScans(), FakePhotos(), FakeOutbox()
        self.inspect = FakeInspector()
        self.clock = FrozenClock()
        self.deps = ScanDeps(
            scans=self.scans,
            photos=self.photos,
            sealer=KEYS.events,
            outbox=self.outbox,
            clock=self.clock,
            inspect=self.inspect,
        )

    def submitted(self, images: dict[str, bytes], **data: Any) -> Envelope[Submitted]:
        refs = {kind: self.photos.put(DECLARATION, kind, raw) for kind, raw in images.items()}
        event = new_event(
            Event.SUBMITTED,
            source="t",
            declaration_id=DECLARATION,
            agency_code="4802",
            data={
                "reference": "4802-ABCDEF",
                "submitted_at": START.isoformat(),
                "agency": {"code": "4802", "name": "BHXH quận Hải Châu"},
                "send_email_copy": True,
                "images": refs,
                "sealed": KEYS.events.seal_json(TYPED, DECLARATION),
                **data,
            },
            clock=utc_now,
        )
        return parse_event(event.wire(), Submitted)

    def scanned(self) -> Envelope[Scanned]:
        [stored] = self.scans.records[DECLARATION]["pending"][:1]
        return parse_event(stored, Scanned)


async def test_a_card_qr_is_read_cross_checked_and_scanned_queued_once() -> None:
    world = World()
    world.inspect.seen["id_back"] = {"findings": [], "card": CARD, "rejected": []}
    event = world.submitted({"id_back": b"back", "id_front": b"front", "portrait": b"me"})

    await scan_declaration(event, deps=world.deps)

    scanned = world.scanned()
    assert scanned.time == START  # the injected clock, not the wall's
    assert scanned.correlationid == event.correlationid
    assert scanned.data.qr.model_dump(mode="json") == {
        "found": True,
        "kind": "cccd",
        "side": "id_back",
        "engine": "zxing",
    }
    assert scanned.data.discrepancy_fields == ["date_of_birth"]
    assert scanned.data.reference == "4802-ABCDEF"
    assert scanned.data.send_email_copy is True
    assert scanned.data.images == event.data.images
    opened = KEYS.events.open_json(scanned.data.sealed, DECLARATION)
    assert opened["card"] == CARD["fields"]
    assert opened["declaration"] == TYPED
    assert [d["field"] for d in opened["discrepancies"]] == ["date_of_birth"]
    # The card was asked of the back only: once read, the front is inspected for quality.
    assert world.inspect.calls == [("id_back", True), ("id_front", False), ("portrait", False)]
    assert world.outbox.kicks == 1
    record = world.scans.records[DECLARATION]
    assert record["created_at"] == START
    assert record["image_sha256"] == sorted(ref.sha256 for ref in event.data.images.values())


async def test_a_redelivered_submitted_changes_nothing() -> None:
    world = World()
    event = world.submitted({"id_back": b"back"})
    await scan_declaration(event, deps=world.deps)
    await scan_declaration(event, deps=world.deps)
    assert len(world.scans.records[DECLARATION]["pending"]) == 1
    assert world.outbox.kicks == 1


async def test_a_reconcilers_copy_queues_the_stored_scanned_again_under_a_fresh_id() -> None:
    world = World()
    event = world.submitted({"id_back": b"back"})
    await scan_declaration(event, deps=world.deps)
    copy = parse_event(marked(CloudEvent.model_validate(event.wire()), 2).wire(), Submitted)

    await scan_declaration(copy, deps=world.deps)

    first, again = world.scans.records[DECLARATION]["pending"]
    assert again["id"] != first["id"]
    assert again["data"]["reconciled"] == 2
    assert {k: v for k, v in again["data"].items() if k != "reconciled"} == first["data"]
    assert world.outbox.kicks == 2


async def test_photo_bytes_that_changed_since_submit_are_a_finding_not_inspected() -> None:
    world = World()
    event = world.submitted({"id_back": b"back"})
    file_id = event.data.images["id_back"].file_id
    world.photos.files[file_id] = (DECLARATION, "id_back", b"swapped")

    await scan_declaration(event, deps=world.deps)

    codes = [f.code for f in world.scanned().data.findings]
    assert codes == ["image_hash_mismatch", "qr_not_found"]
    assert world.inspect.calls == []


async def test_no_qr_found_and_quality_findings_reach_the_clerk() -> None:
    world = World()
    blur = {"code": "blurry", "severity": "warning", "message": "Ảnh mờ.", "image": "id_front"}
    world.inspect.seen["id_front"] = {"findings": [blur], "card": None, "rejected": []}
    world.inspect.seen["id_back"] = {"unreadable": True, "findings": []}
    event = world.submitted({"id_back": b"back", "id_front": b"front"})

    await scan_declaration(event, deps=world.deps)

    scanned = world.scanned()
    assert scanned.data.qr.model_dump(mode="json") == {"found": False}
    assert [f.code for f in scanned.data.findings] == ["image_unreadable", "blurry", "qr_not_found"]
    assert KEYS.events.open_json(scanned.data.sealed, DECLARATION)["card"] is None


async def test_a_qr_that_is_no_card_is_named_as_such() -> None:
    world = World()
    bank = {"code": "unknown_payload", "message": "Không phải mã thẻ."}
    world.inspect.seen["id_back"] = {"findings": [], "card": None, "rejected": [bank]}
    await scan_declaration(world.submitted({"id_back": b"back"}), deps=world.deps)
    codes = [f.code for f in world.scanned().data.findings]
    assert codes == ["qr_not_a_card", "qr_not_found"]


async def test_the_same_photo_in_another_declaration_is_reported_by_agency() -> None:
    world = World()
    await world.scans.sight(sha("back"), "other-1", "4802-OWNONE")
    await world.scans.sight(sha("back"), "other-2", "0101-FOREIGN")
    event = world.submitted({"id_back": b"back"})

    await scan_declaration(event, deps=world.deps)

    [reused] = [f for f in world.scanned().data.findings if f.code == "image_reused"]
    assert "4802-OWNONE" in reused.message
    assert "0101" in reused.message
    assert "0101-FOREIGN" not in reused.message  # another office's reference stays there
    assert f"{sha('back')}:{DECLARATION}" in world.scans.sightings


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


async def test_sin_findings_and_the_sealed_account_are_carried_to_review() -> None:
    world = World()
    finding = {"code": "sin_not_in_registry", "severity": "warning", "message": "Không có."}
    account = KEYS.events.seal_json({"active": True}, DECLARATION)
    event = world.submitted({}, sin_findings=[finding], account_sealed=account)
    await scan_declaration(event, deps=world.deps)
    scanned = world.scanned()
    assert [f.model_dump(mode="json") for f in scanned.data.sin_findings] == [
        {**finding, "image": None}
    ]
    assert scanned.data.account_sealed == account


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (None, "qr_not_found"),
        ({"expired": True}, "expired"),
        ({"unreadable": True}, "image_unreadable"),
        ({"rejected": {"code": "unknown_payload", "message": "x"}}, "unknown_payload"),
    ],
)
async def test_an_autofill_photo_without_a_card_answers_an_error(
    answer: dict[str, Any] | None, expected: str
) -> None:
    deps = DecodeDeps(uploads=FakePhotos(), decode=FakeDecoder(answer))
    assert (await decode_photo(b"photo", None, deps=deps))["error"]["code"] == expected


async def test_an_autofill_claim_check_is_fetched_and_decoded() -> None:
    photos, decoder = FakePhotos(), FakeDecoder({"kind": "cccd", "fields": {"id_number": "1"}})
    ref = photos.put("upload-1", QR_UPLOAD_KIND, b"photo")
    deps = DecodeDeps(uploads=photos, decode=decoder)

    answer = await decode_request({"upload_id": "upload-1", "file_id": ref["file_id"]}, deps=deps)

    assert answer == {"kind": "cccd", "fields": {"id_number": "1"}}
    assert decoder.photos == [b"photo"]
    missing = await decode_request({"upload_id": "upload-1", "file_id": "gone"}, deps=deps)
    assert missing["error"]["code"] == "upload_missing"
    assert (await decode_request({"file_id": 3}, deps=deps))["error"]["code"] == "bad_request"


async def test_an_autofill_payload_is_parsed_without_the_pool() -> None:
    decoder = FakeDecoder()
    deps = DecodeDeps(uploads=FakePhotos(), decode=decoder)
    payload = "048090900101|123456789|Nguyễn Văn Bảo|15031990|Nam|Tổ 5, Đà Nẵng|12052021"
    answer = await decode_request({"payload": payload}, deps=deps)
    assert answer["kind"] == "cccd"
    assert answer["fields"]["id_number"] == "048090900101"
    bad = await decode_request({"payload": "https://example.com"}, deps=deps)
    assert bad["error"]["code"] == "unknown_payload"
    assert decoder.photos == []
    assert json.dumps(answer, ensure_ascii=False)
