"""QR decoding: engines return raw bytes, the ladder reads card photos and refuses the rest."""

import io
import pickle
import sys

import pillow_heif
import pytest
import segno
from PIL import Image

from tests.support.cards import DOMAIN_PAYLOADS, Level, render_card_photo, render_portrait
from vssid_ocr_qr.adapters.decoding import (
    LadderDecoder,
    PyzbarQrDecoder,
    ZxingQrDecoder,
    default_engines,
    default_ladder,
)
from vssid_ocr_qr.adapters.scanning import decode_card_bytes, inspect_photo

LATIN_CCCD = "048090900101||Hoàng Anh|15031990|Nam|Hà Tây|12052021".encode("cp1258")


@pytest.fixture(scope="module")
def ladder() -> LadderDecoder:
    return default_ladder()


def _photo(payload: str | bytes, level: Level, seed: int) -> Image.Image:
    return Image.open(io.BytesIO(render_card_photo(payload, level, seed)))


@pytest.mark.parametrize("level", ["clean", "phone"])
@pytest.mark.parametrize("index", range(len(DOMAIN_PAYLOADS)))
def test_ladder_reads_every_domain_payload(ladder: LadderDecoder, level: Level, index: int) -> None:
    payload = DOMAIN_PAYLOADS[index]
    result = ladder.decode_card(_photo(payload, level, seed=100 + index))
    assert result is not None
    assert result.payload_text == payload
    assert result.parsed.kind == ("cccd" if index < 5 else "bhyt")
    assert result.attempts >= 1
    assert result.engine in {"zxing-cpp", "pyzbar"}


def test_picture_without_qr_gives_none(ladder: LadderDecoder) -> None:
    outcome = ladder.scan(Image.open(io.BytesIO(render_portrait(seed=3))))
    assert outcome.result is None
    assert outcome.rejections == ()
    assert outcome.attempts > 1  # it did climb the ladder before giving up


def test_non_utf8_payload_is_rejected_not_guessed(ladder: LadderDecoder) -> None:
    outcome = ladder.scan(_photo(LATIN_CCCD, "clean", seed=5))
    assert outcome.result is None
    assert [r.code for r in outcome.rejections] == ["qr_payload_not_utf8"]


def test_qr_that_is_no_card_is_reported(ladder: LadderDecoder) -> None:
    outcome = ladder.scan(_photo("https://example.com/not-a-card", "clean", seed=6))
    assert outcome.result is None
    assert [r.code for r in outcome.rejections] == ["qr_payload_unknown"]


@pytest.mark.parametrize("engine", [ZxingQrDecoder(), PyzbarQrDecoder()], ids=lambda e: e.name)
def test_engines_return_raw_bytes(engine: ZxingQrDecoder | PyzbarQrDecoder) -> None:
    assert engine.available
    # ZBar's own text conversion would turn these cp1258 bytes into UTF-8 mojibake.
    assert engine.decode(_photo(LATIN_CCCD, "clean", seed=7)) == [LATIN_CCCD]
    utf8 = DOMAIN_PAYLOADS[0].encode()
    assert engine.decode(_photo(DOMAIN_PAYLOADS[0], "clean", seed=8)) == [utf8]


def test_pyzbar_without_libzbar_reports_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyzbar", None)  # what a missing libzbar0 looks like
    engine = PyzbarQrDecoder()
    assert not engine.available
    assert engine.decode(_photo(DOMAIN_PAYLOADS[0], "clean", seed=9)) == []
    assert [e.name for e in LadderDecoder([ZxingQrDecoder(), engine]).engines] == ["zxing-cpp"]
    with pytest.raises(ValueError, match="no QR engine"):
        LadderDecoder([engine])


def test_default_engine_order_is_zxing_then_pyzbar() -> None:
    assert [engine.name for engine in default_engines()] == ["zxing-cpp", "pyzbar"]


def test_ladder_survives_pickling_for_process_pools() -> None:
    copy = pickle.loads(pickle.dumps(default_ladder()))
    result = copy.decode_card(_photo(DOMAIN_PAYLOADS[5], "phone", seed=10))
    assert result is not None
    assert result.parsed.fields["social_insurance_number"] == "4890012345"


def test_card_photos_are_deterministic_by_seed() -> None:
    assert render_card_photo(DOMAIN_PAYLOADS[0], "hard", 11) == render_card_photo(
        DOMAIN_PAYLOADS[0], "hard", 11
    )
    assert render_card_photo(DOMAIN_PAYLOADS[0], "hard", 11) != render_card_photo(
        DOMAIN_PAYLOADS[0], "hard", 12
    )


def _generated_qr(payload: str, mode: str) -> Image.Image:
    """A QR as generators export it: `mode` "RGBA" draws black modules on a transparent page."""
    out = io.BytesIO()
    segno.make(payload.encode(), micro=False).save(out, kind="png", scale=6)
    gray = Image.open(io.BytesIO(out.getvalue())).convert("L")
    if mode != "RGBA":
        return gray.convert(mode)
    ink = Image.new("RGBA", gray.size, (0, 0, 0, 0))
    ink.putalpha(gray.point(lambda value: 255 - value))  # opaque where dark, clear elsewhere
    return ink


@pytest.mark.parametrize("mode", ["1", "L", "P", "RGB", "RGBA", "LA", "CMYK"])
def test_generated_qr_images_read_in_every_mode(ladder: LadderDecoder, mode: str) -> None:
    """Transparency counts as white paper: dropping alpha would paint the background black."""
    image = _generated_qr(DOMAIN_PAYLOADS[0], mode)
    result = ladder.decode_card(image)
    assert result is not None
    assert result.payload_text == DOMAIN_PAYLOADS[0]
    assert ZxingQrDecoder().decode(image) == [DOMAIN_PAYLOADS[0].encode()]


def test_heic_photos_decode_in_the_pool_function() -> None:
    """Autofill photos reach the pool as sent, and iPhones send HEIC."""
    out = io.BytesIO()
    pillow_heif.from_pillow(_photo(DOMAIN_PAYLOADS[0], "clean", seed=9)).save(out, quality=85)
    found = decode_card_bytes(out.getvalue())
    assert found is not None
    assert found["fields"]["id_number"] == "048090900101"


def test_pool_function_says_a_read_qr_is_no_card() -> None:
    """A website or bank QR is reported as such, not as "no QR found"."""
    out = io.BytesIO()
    _photo("https://example.com/not-a-card", "clean", seed=6).save(out, "JPEG")
    found = decode_card_bytes(out.getvalue())
    assert found is not None
    assert found["rejected"]["code"] == "qr_payload_unknown"
    assert found["rejected"]["message"]


def test_inspection_reports_a_qr_that_is_no_card() -> None:
    out = io.BytesIO()
    _photo("https://example.com/not-a-card", "clean", seed=6).save(out, "JPEG")
    seen = inspect_photo("id_front", out.getvalue(), want_qr=True)
    assert seen["card"] is None
    assert [r["code"] for r in seen["rejected"]] == ["qr_payload_unknown"]
    card = io.BytesIO()
    _photo(DOMAIN_PAYLOADS[0], "clean", seed=6).save(card, "JPEG")
    read = inspect_photo("id_front", card.getvalue(), want_qr=True)
    assert read["card"]["fields"]["id_number"] == "048090900101"
    assert read["rejected"] == []
