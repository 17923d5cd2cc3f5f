"""Bench: CPU ms per declaration-copy PDF, the full-font path (every render before) vs today's.

The full-font path parses both 700 KB DejaVu files, shapes every measured fragment with
HarfBuzz and subsets the fonts on output; it is still what a copy with a character outside
the small fonts gets. The small-font path is what a Latin/Vietnamese copy gets.
"""

import argparse
import dataclasses
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.unit.test_notifier_pdf import HUONG
from vssid_notifier.adapters.pdf import _laid_out, _normalized, render_declaration_pdf
from vssid_notifier.domain.copy_model import DeclarationCopy

COPY = HUONG  # the copy the PDF tests print


def full_fonts(copy: DeclarationCopy) -> bytes:
    return bytes(_laid_out(_normalized(copy), "vi", small_fonts=False).output())


def distinct(i: int) -> DeclarationCopy:
    """The i-th applicant: every personal value differs, as between real copies (the line
    breaks of the fixed wording and of the agency's are remembered, a person's are not)."""
    return dataclasses.replace(
        COPY,
        reference=f"GD-2025-{i:06d}",
        full_name=f"Lê Văn {i}",
        social_insurance_number=f"48{i:08d}",
        id_number=f"0481900{i:05d}",
        phone=f"+8490{i:07d}",
        email=f"le.van.{i}@example.vn",
        address=f"Số {i} Kiệt {i % 97} Hà Huy Tập, Phường Hòa Khê, Quận Thanh Khê, Đà Nẵng",
    )


def per_render(render: Callable[[DeclarationCopy], bytes], n: int) -> tuple[float, int]:
    """Median CPU ms over `n` renders of distinct copies, and the PDF size."""
    render(COPY)  # first use: imports, font parsing
    times, size = [], 0
    for i in range(n):
        copy = distinct(i)
        start = time.process_time()
        size = len(render(copy))
        times.append(time.process_time() - start)
    return 1000 * statistics.median(times), size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=30)
    args = parser.parse_args()
    old, old_size = per_render(full_fonts, args.n)
    new, new_size = per_render(render_declaration_pdf, args.n)
    print(f"machine: {platform.machine()}, Python {platform.python_version()}; {args.n} renders")
    print(f"full fonts + shaping + subsetting  {old:6.1f} ms CPU per copy, {old_size} bytes")
    print(f"small fonts, line breaks replayed  {new:6.1f} ms CPU per copy, {new_size} bytes")
    print(f"ratio                              {old / new:6.1f}x")


if __name__ == "__main__":
    main()
