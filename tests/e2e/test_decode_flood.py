"""One client flooding the QR decoder (issue 10 item 5) cannot starve anyone else: it meets the
autofill pixel cap and a per-client limit (429 + Retry-After), while another client's autofill
still answers and a submission is still scanned (scans have processes of their own)."""

from __future__ import annotations

import io
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from PIL import Image

from tests.e2e.conftest import System
from tests.support import applicant as a
from tests.support.cards import render_card_photo

pytestmark = pytest.mark.e2e
FLOODER, HONEST, APPLICANT = "127.0.0.2", "127.0.0.3", "127.0.0.4"  # Linux routes all 127/8
FLOOD_THREADS = 4


def client_from(system: System, address: str) -> httpx.Client:
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=system.intake_url, transport=transport, timeout=60)


def cheap_giant_png() -> bytes:
    out = io.BytesIO()
    Image.new("L", (7000, 7000), 255).save(out, "PNG")  # 49 MP in a few dozen KiB
    return out.getvalue()


def big_photo() -> bytes:
    """16 MP (under the autofill cap) with texture and no QR: every decode step searches it."""
    gradient = Image.linear_gradient("L").resize((4000, 4000))
    noise = Image.effect_noise((4000, 4000), 20)
    out = io.BytesIO()
    Image.blend(gradient, noise, 0.3).convert("RGB").save(out, "JPEG", quality=70)
    return out.getvalue()


def decode_photo(client: httpx.Client, data: bytes, name: str = "card.jpg") -> httpx.Response:
    return client.post("/v1/qr/decode", files={"file": (name, data, "image/jpeg")})


def test_a_flooding_client_does_not_starve_others(system: System) -> None:
    giant = cheap_giant_png()
    with client_from(system, FLOODER) as flooder:
        refused = [decode_photo(flooder, giant, "giant.png") for _ in range(12)]
    assert all(r.status_code in (413, 429) for r in refused), [r.text for r in refused]
    assert refused[0].json()["detail"][0]["code"] == "too_many_pixels"  # 49 MP: over the cap

    photo = big_photo()
    stop = threading.Event()
    flood: Counter[int | str] = Counter()
    retry_after: list[str] = []
    lock = threading.Lock()

    def flood_loop() -> None:
        with client_from(system, FLOODER) as client:
            while not stop.is_set():
                try:
                    response = decode_photo(client, photo)
                except httpx.HTTPError as exc:  # an answer before the upload ended, etc.
                    with lock:
                        flood[type(exc).__name__] += 1
                    continue
                with lock:
                    flood[response.status_code] += 1
                    if response.status_code == 429:
                        retry_after.append(response.headers.get("Retry-After", ""))
                stop.wait(0.05)

    with ThreadPoolExecutor(FLOOD_THREADS) as pool:
        flooding = [pool.submit(flood_loop) for _ in range(FLOOD_THREADS)]
        try:
            a.eventually(lambda: flood[429] > 0, 60)  # the flood is on, and being refused
            with client_from(system, HONEST) as honest:
                card = render_card_photo(a.BAO_QR, "phone", 7)
                answer = decode_photo(honest, card)
            assert answer.status_code == 200, answer.text
            assert answer.json()["fields"]["full_name"] == "Nguyễn Văn Bảo"
            with client_from(system, APPLICANT) as applicant:
                declaration_id, token = a.create_draft(applicant, a.unique_bao())
                a.upload_images(applicant, declaration_id, token, a.BAO_QR)
                a.submit(applicant, declaration_id, token)
                a.wait_for_status(applicant, declaration_id, token, "awaiting_verification")
        finally:
            stop.set()
            for done in flooding:
                done.result()
    assert not [code for code in flood if isinstance(code, int) and code >= 500], flood
    assert retry_after, flood
    assert all(value.isdigit() and int(value) > 0 for value in retry_after), retry_after
