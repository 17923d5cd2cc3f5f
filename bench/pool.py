"""Bench: photos per second through ocr_qr's decode pool with 1 process, then one per core.

The pool is what lets one ocr_qr worker use every core (and two workers on two machines double
it): this prints the throughput of the same phone-photo batch with 1 and with N processes, in the
same run, and the ratio.
"""

import argparse
import asyncio
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.support is not installed

from tests.support.cards import DOMAIN_PAYLOADS, render_card_photo
from vssid_ocr_qr.adapters.scanning import DecodePool


async def throughput(workers: int, photos: list[bytes]) -> float:
    """Photos per second, all submitted at once as a burst of autofill requests would be."""
    pool = DecodePool(workers)
    try:
        await pool.warm()
        await asyncio.gather(*(pool.decode(data) for data in photos[:workers]))  # first-use costs
        start = time.perf_counter()
        results = await asyncio.gather(*(pool.decode(data) for data in photos))
        elapsed = time.perf_counter() - start
    finally:
        pool.close()
    if any(result is None or "kind" not in result for result in results):
        raise SystemExit("a phone photo did not decode: the bench would measure the wrong path")
    return len(photos) / elapsed


async def run(n: int, seed: int) -> None:
    photos = [render_card_photo(DOMAIN_PAYLOADS[i % 10], "phone", seed + i) for i in range(n)]
    cores = os.cpu_count() or 1
    single = await throughput(1, photos)
    full = await throughput(cores, photos)
    print(f"machine: {platform.machine()}, {cores} cores, Python {platform.python_version()}")
    print(f"{n} phone-quality card photos, decoded through DecodePool")
    print(f"1 process           {single:6.1f} photos/s")
    print(f"{cores} processes         {full:6.1f} photos/s")
    print(f"ratio               {full / single:6.2f}x  (ideal: {cores}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    asyncio.run(run(args.n, args.seed))


if __name__ == "__main__":
    main()
