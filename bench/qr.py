"""Bench: decode rate and ms/image of pyzbar, zxing-cpp and the ladder on synthetic card photos."""

import argparse
import io
import os
import platform
import random
import statistics
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from importlib.metadata import version
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.support is not installed

from tests.support.cards import DOMAIN_PAYLOADS, Level, render_card_photo
from vssid_ocr_qr.adapters.decoding import (
    LadderDecoder,
    PyzbarQrDecoder,
    QrDecoder,
    ZxingQrDecoder,
    default_ladder,
)
from vssid_ocr_qr.domain.payloads import PayloadError, decode_payload_bytes, parse_payload

LEVELS: tuple[Level, ...] = ("clean", "phone", "hard")
SINGLE = ("pyzbar", "zxing-cpp")
Outcome = dict[str, tuple[bool, float]]  # method -> (read the right payload, seconds)

SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
            "Đỗ", "Hồ", "Ngô", "Dương", "Lý")  # fmt: skip
MIDDLE = ("Văn", "Thị", "Minh", "Ngọc", "Thanh", "Quốc", "Hữu", "Đức", "Thu", "Hoài", "Gia", "Bảo")
GIVEN = ("Hòa", "Hoà", "Bảo", "Anh", "Hân", "Khang", "Lộc", "Tuấn", "Dũng", "Hương", "Trâm",
         "Quỳnh", "Nguyệt", "Thủy", "Đạt", "Yến")  # fmt: skip
GROUPS = ("GD", "HS", "TE", "HT", "DN")
WARDS = ["Chính Gián", "Thanh Khê", "Hòa Khê", "An Khê", "Hòa Minh", "Thạc Gián"]


def _name(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def _day(rng: random.Random, years: tuple[int, int], sep: str) -> str:
    day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(*years)
    return sep.join([f"{day:02d}", f"{month:02d}", str(year)])


def cccd_payload(rng: random.Random) -> str:
    """A fake chip-CCCD payload; half carry the 4 empty trailing fields of 2024+ cards."""
    old_id = str(rng.randint(10**8, 10**9 - 1)) if rng.random() < 0.4 else ""
    address = f"Tổ {rng.randint(1, 60)}, Phường {rng.choice(WARDS)}, Quận Thanh Khê, Đà Nẵng"
    fields = [
        f"048{rng.randint(0, 3)}{rng.randint(0, 99):02d}{rng.randint(0, 999999):06d}",
        old_id, _name(rng), _day(rng, (1950, 2007), ""), rng.choice(["Nam", "Nữ"]), address,
        _day(rng, (2021, 2025), ""),
    ]  # fmt: skip
    return "|".join(fields + (["", "", "", ""] if rng.random() < 0.5 else []))


def bhyt_payload(rng: random.Random) -> str:
    """A fake BHYT payload of one of the three generations (10, 15 or 17 elements with `$`)."""
    sin = f"48{rng.randint(0, 10**8 - 1):08d}"
    generation = rng.choice((2019, 2017, 2023))
    code = sin if generation == 2023 else f"{rng.choice(GROUPS)}{rng.randint(1, 5)}48{sin}"
    address = f"Tổ {rng.randint(1, 60)}, {rng.choice(WARDS)}, Thanh Khê, Đà Nẵng".encode().hex()
    fields = [code, _name(rng).encode().hex(), _day(rng, (1950, 2020), "/"), str(rng.randint(1, 2)),
              "-" if generation == 2023 else address, "48 - 017", "01/01/2025", "31/12/2025",
              _day(rng, (2024, 2024), "/")]  # fmt: skip
    if generation != 2019:
        check = f"{rng.getrandbits(64):016x}-{rng.getrandbits(16):04x}"
        fields += [f"4802{sin}", "-", "4", "01/01/2030", check]
    if generation == 2023:
        fields += ["4", "Quận Thanh Khê, Đà Nẵng".encode().hex()]
    return "|".join([*fields, "$"])


def corpus_payloads(n: int, seed: int) -> list[str]:
    """The DOMAIN.md examples first, then generated ones (60% CCCD) up to `n`."""
    rng = random.Random(seed)
    payloads = list(DOMAIN_PAYLOADS[:n])
    while len(payloads) < n:
        payloads.append(cccd_payload(rng) if rng.random() < 0.6 else bhyt_payload(rng))
    return payloads


_ENGINES: dict[str, QrDecoder] = {}
_LADDER: list[LadderDecoder] = []


def _init_worker() -> None:
    _ENGINES.update({"pyzbar": PyzbarQrDecoder(), "zxing-cpp": ZxingQrDecoder()})
    _LADDER.append(default_ladder())


def _reads(raws: list[bytes], expected: str) -> bool:
    for raw in raws:
        try:
            text = decode_payload_bytes(raw)
            parse_payload(text)
        except PayloadError:
            continue
        if text == expected:
            return True
    return False


def measure(task: tuple[Level, int, str]) -> tuple[Level, Outcome, str | None]:
    """Render one photo, then time each method from JPEG bytes to a parsed card payload."""
    level, seed, payload = task
    jpeg = render_card_photo(payload, level, seed)
    expected = decode_payload_bytes(payload.encode())
    outcome: Outcome = {}
    for name, engine in _ENGINES.items():
        start = time.perf_counter()
        raws = engine.decode(Image.open(io.BytesIO(jpeg)))
        outcome[name] = (_reads(raws, expected), time.perf_counter() - start)
    start = time.perf_counter()
    result = _LADDER[0].decode_card(Image.open(io.BytesIO(jpeg)))
    ok = result is not None and result.payload_text == expected
    outcome["ladder"] = (ok, time.perf_counter() - start)
    return level, outcome, result.step if ok and result else None


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def _cell(results: list[Outcome], method: str) -> tuple[str, float]:
    hits = sum(r[method][0] for r in results)
    mean_ms = statistics.mean(r[method][1] * 1000 for r in results)
    return f"{hits:>3}/{len(results):<3} {hits / len(results):6.1%} {mean_ms:6.0f}", hits / len(
        results
    )


def _row(level: str, results: list[Outcome]) -> str:
    cells = {method: _cell(results, method) for method in (*SINGLE, "ladder")}
    best = max(cells[m][1] for m in SINGLE)
    ratio = f"{cells['ladder'][1] / best:.2f}x" if best else "inf"
    p50 = statistics.median(r["ladder"][1] * 1000 for r in results)
    texts = [cells[m][0] for m in (*SINGLE, "ladder")]
    return f"{level:<6} | {texts[0]} | {texts[1]} | {texts[2]} {p50:6.0f} | {ratio:>6}"


HEADER = """\
level  |   pyzbar alone        |   zxing-cpp alone     |   ladder                     | ladder
       |  read    rate  ms/img |  read    rate  ms/img |  read    rate  ms/img    p50 | ÷ best"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=100, help="photos per level")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    payloads = corpus_payloads(args.n, args.seed)
    tasks = [(lv, args.seed * 1_000_003 + i, p) for lv in LEVELS for i, p in enumerate(payloads)]
    began = time.perf_counter()
    with ProcessPoolExecutor(args.workers, initializer=_init_worker) as pool:
        done = list(pool.map(measure, tasks, chunksize=2))
    wall = time.perf_counter() - began
    print(f"machine: {os.cpu_count()} x {_cpu_model()}; {args.workers} worker processes")
    versions = ", ".join(
        f"{p} {version(p)}" for p in ("zxing-cpp", "pyzbar", "opencv-python-headless")
    )
    print(f"{versions}, Python {platform.python_version()}")
    domain = min(args.n, len(DOMAIN_PAYLOADS))
    print(f"corpus: {args.n} photos per level ({domain} DOMAIN.md payloads, the rest generated), "
          f"seed {args.seed}")  # fmt: skip
    print("ms/img: mean per photo on one core, JPEG bytes to parsed card; p50: ladder median\n")
    print(HEADER)
    for level in LEVELS:
        print(_row(level, [outcome for lv, outcome, _ in done if lv == level]))
    print()
    for level in LEVELS:
        steps = Counter(step for lv, _, step in done if lv == level and step)
        print(
            f"ladder step that read each {level} photo: "
            + ", ".join(f"{s} {c}" for s, c in steps.items())
        )
    print(f"\nwall time {wall:.0f} s")


if __name__ == "__main__":
    main()
