"""Issue 15 rules without servers: consent texts and the submit rule, the shredding sealer's
formats (data key, destroyed key, legacy service key), the consent line on the PDF copy."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import unicodedata
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tests.unit.test_notifier_pdf import HUONG
from vssid_intake.domain.consent import (
    ConsentCatalog,
    consent_problems,
    consent_record,
    take_consent,
)
from vssid_notifier.adapters.pdf import render_declaration_pdf
from vssid_notifier.domain.compose import consent_line, message_id
from vssid_notifier.domain.copy_model import MailContext
from vssid_notifier.domain.mails import MailKind, compose_mail
from vssid_shared.crypto import Keys
from vssid_shared.shredding import (
    _DESTROYED,
    DataKeyCache,
    DataKeyDestroyedError,
    ShreddingSealer,
)

CATALOG = ConsentCatalog.load()
TODAY = date(2026, 3, 1)
DECLARATION = "3f2b8a10-5c6d-4e7f-8a9b-0c1d2e3f4a5b"


def test_the_current_text_is_versioned_nfc_and_bilingual() -> None:
    current = CATALOG.current(TODAY)
    assert current.version == "2026-01"
    assert unicodedata.is_normalized("NFC", current.vi)
    assert current.public()["text"]["en"].startswith("I agree")


def test_only_version_and_accepted_come_from_the_client() -> None:
    rest, consent, errors, named = take_consent(
        {"full_name": "x", "consent": {"version": "2026-01", "accepted": True}}, CATALOG
    )
    assert (rest, consent, errors, named) == (
        {"full_name": "x"},
        {"version": "2026-01", "accepted": True},
        [],
        True,
    )
    for bad in ({"version": "2026-01", "accepted": "yes"}, {"version": 1}, "ok", {"at": "x"}):
        assert take_consent({"consent": bad}, CATALOG)[2][0].code == "invalid_consent"
    unknown = take_consent({"consent": {"version": "1999", "accepted": True}}, CATALOG)
    assert unknown[2][0].code == "unknown_consent_version"
    assert take_consent({"full_name": "x"}, CATALOG)[3] is False


def test_submit_needs_the_current_version_explicitly_accepted() -> None:
    current = CATALOG.current(TODAY)
    now = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)
    given = consent_record({"version": current.version, "accepted": True}, now, "203.0.113.9")
    assert given["client_address"] == "203.0.113.9"
    assert consent_problems({"consent": given}, current) == []
    for silent in ({}, {"consent": None}, {"consent": {**given, "accepted": False}}):
        [problem] = consent_problems(silent, current)
        assert problem.code == "consent_required"
        assert problem.loc == ("body", "consent")
        assert "đồng ý" in problem.message


def _sealer(cache: DataKeyCache) -> ShreddingSealer:
    return ShreddingSealer(Keys("unit-test-secret").events, cache, "event-payloads")


def test_data_key_seals_opens_and_destroying_it_shreds_every_copy() -> None:
    cache = DataKeyCache()
    cache.put(DECLARATION, b"k" * 32)
    sealer = _sealer(cache)
    sealed = sealer.seal_json({"full_name": "Nguyễn Văn Bảo"}, DECLARATION)
    image = sealer.seal_bytes(b"photo", f"{DECLARATION}/portrait")
    assert sealed.startswith("dk1:")
    other_process = _sealer(cache)
    assert other_process.open_json(sealed, DECLARATION) == {"full_name": "Nguyễn Văn Bảo"}
    assert other_process.open_bytes(image, f"{DECLARATION}/portrait") == b"photo"
    cache.put(DECLARATION, _DESTROYED)
    with pytest.raises(DataKeyDestroyedError):
        sealer.open_json(sealed, DECLARATION)
    with pytest.raises(DataKeyDestroyedError):
        sealer.open_bytes(image, f"{DECLARATION}/portrait")


def test_data_sealed_before_data_keys_still_opens_with_the_service_key() -> None:
    legacy = Keys("unit-test-secret").events.seal_json({"a": 1}, DECLARATION)
    cache = DataKeyCache()
    cache.put(DECLARATION, _DESTROYED)  # even a shredded declaration's legacy blobs
    assert _sealer(cache).open_json(legacy, DECLARATION) == {"a": 1}
    assert not _sealer(DataKeyCache()).seal_json({"a": 1}, "registry-row").startswith("dk1:")


def test_the_copy_prints_the_consent_in_vietnam_time(tmp_path: Path) -> None:
    line = consent_line({"version": "2026-01", "accepted": True, "at": "2026-03-01T17:30:00+00:00"})
    assert line == "Phiên bản 2026-01, 02/03/2026 00:30"
    assert consent_line({"version": "2026-01", "accepted": False}) is None
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    path = tmp_path / "copy.pdf"
    path.write_bytes(render_declaration_pdf(dataclasses.replace(HUONG, consent=line)))
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True)
    text = " ".join(unicodedata.normalize("NFC", out.stdout.decode()).split())
    assert "Đồng ý xử lý dữ liệu cá nhân" in text
    assert "2026-01" in text


def test_the_withdrawal_mail_confirms_in_both_languages() -> None:
    ctx = MailContext(
        reference="4802-ABC123",
        full_name="Lê Ngọc Hân",
        social_insurance_number="4890012345",
        agency_code="4802",
        agency_name="BHXH quận Thanh Khê",
        agency_address="Đà Nẵng",
        agency_phone="0236.3721163",
    )
    vi = compose_mail(MailKind.WITHDRAWN, ctx, "vi")
    assert "rút lại" in vi.subject
    assert "4802-ABC123" in vi.subject
    assert "đã bị xóa" in vi.text
    assert "withdrawn" in compose_mail(MailKind.WITHDRAWN, ctx, "en").subject
    assert message_id("d1", MailKind.WITHDRAWN.value) == "<withdrawn.d1@vssid.local>"


def test_only_opening_reads_a_key_nobody_loaded() -> None:
    loaded = DataKeyCache()
    loaded.put(DECLARATION, b"k" * 32)
    sealed = _sealer(loaded).seal_json({"a": 1}, DECLARATION)
    cold = DataKeyCache()
    asked: list[str] = []

    def read(declaration_id: str) -> None:
        asked.append(declaration_id)
        cold.put(declaration_id, b"k" * 32)

    cold.on_miss = read
    upload = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"  # an autofill upload: an id, no key
    assert not _sealer(cold).seal_json({"b": 2}, upload).startswith("dk1:")
    assert asked == []
    assert _sealer(cold).open_json(sealed, DECLARATION) == {"a": 1}
    assert asked == [DECLARATION]
