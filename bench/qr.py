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

from tests.support.cards import DOMAIN_PAYLOADS, Level, render_card_photo  # noqa: E402
from vssid_ocr_qr.decoding import (  # noqa: E402
    LadderDecoder,
    PyzbarQrDecoder,
    QrDecoder,
    ZxingQrDecoder,
    default_ladder,
)
from vssid_ocr_qr.payloads import PayloadError, decode_payload_bytes, parse_payload  # noqa: E402

LEVELS: tuple[Level, ...] = ("clean", "phone", "hard")
SINGLE = ("pyzbar", "zxing-cpp")
Outcome = dict[str, tuple[bool, float]]  # method -> (read the right payload, seconds)

SURNAMES = "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý".split()
MIDDLE = "Văn Thị Minh Ngọc Thanh Quốc Hữu Đức Thu Hoài Gia Bảo".split()
GIVEN = "Hòa Hoà Bảo Anh Hân Khang Lộc Tuấn Dũng Hương Trâm Quỳnh Nguyệt Thủy Đạt Yến".split()
WARDS = ["Chính Gián", "Thanh Khê", "Hòa Khê", "An Khê", "Hòa Minh", "Thạc Gián"]


def _name(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def _day(rng: random.Random, years: tuple[int, int], sep: str) -> str:
    return sep.join([f"{rng.randint(1, 28):02d}", f"{rng.randint(1, 12):02d}", str(rng.randint(*years))])


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
    code = sin if generation == 2023 else f"{rng.choice(['GD', 'HS', 'TE', 'HT', 'DN'])}{rng.randint(1, 5)}48{sin}"
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


def _row(level: str, results: list[Outcome]) -> str:
    n = len(results)
    cells, rates = [], {}
    for method in (*SINGLE, "ladder"):
        hits = sum(r[method][0] for r in results)
        times = [r[method][1] * 1000 for r in results]
        rates[method] = hits / n
        cells.append(f"{hits:>3}/{n} {hits / n:6.1%} {statistics.mean(times):6.0f}")
    best = max(rates[m] for m in SINGLE)
    ratio = f"{rates['ladder'] / best:5.2f}x" if best else "  inf"
    p50 = statistics.median(r["ladder"][1] * 1000 for r in results)
    return f"{level:<6}| " + " | ".join(cells) + f" {p50:6.0f} | {ratio}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=40, help="photos per level")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    payloads = corpus_payloads(args.n, args.seed)
    tasks = [(lv, args.seed * 1_000_003 + i, p) for lv in LEVELS for i, p in enumerate(payloads)]
    began = time.perf_counter()
    with ProcessPoolExecutor(args.workers, initializer=_init_worker) as pool:
        done = list(pool.map(measure, tasks, chunksize=2))
    wall = time.perf_counter() - began
    print(f"machine: {os.cpu_count()} x {_cpu_model()}, {args.workers} worker processes")
    print(f"zxing-cpp {version('zxing-cpp')}, pyzbar {version('pyzbar')}, "
          f"opencv {version('opencv-python-headless')}, Python {platform.python_version()}")  # fmt: skip
    print(f"corpus: {args.n} photos per level ({min(args.n, len(DOMAIN_PAYLOADS))} from "
          f"DOMAIN.md, the rest generated), seed {args.seed}; ms = mean per photo on one core\n")  # fmt: skip
    head = "hits  rate      ms"
    print(f"level | pyzbar {head[6:]:>13} | zxing-cpp {head[9:]:>10} | ladder {head[6:]:>13}"
          "  p50 ms | ladder ÷ best single")  # fmt: skip
    for level in LEVELS:
        print(_row(level, [o for lv, o, _ in done if lv == level]))
    for level in LEVELS:
        steps = Counter(step for lv, _, step in done if lv == level and step)
        print(f"ladder steps that read {level}: " + ", ".join(f"{s} {c}" for s, c in steps.items()))
    print(f"\nwall time {wall:.0f} s")


if __name__ == "__main__":
    main()
