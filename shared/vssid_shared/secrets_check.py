"""Is a configured root secret strong enough for production? Length plus an entropy estimate."""

from __future__ import annotations

import math
import zlib
from collections import Counter

MIN_BYTES = 32
MIN_BITS = 128.0  # the estimate below, for the whole secret
ZLIB_OVERHEAD = 8  # header, checksum and end-of-block bytes of a zlib stream


def estimated_bits(secret: str) -> float:
    """A rough upper estimate of the secret's entropy: the lower of two cheap measures.

    - Shannon entropy of its own characters times its length: 0 for `"a" * 64`, tiny for
      32 spaces;
    - what zlib leaves of it, in bits: a repeated pattern (`"0123456789" * 4`) compresses away.

    Far above the bar for `secrets.token_urlsafe(48)` (~350 bits) or `token_hex(32)`; it refuses
    the placeholders and patterns people actually type without pretending to measure randomness.
    """
    if not secret:
        return 0.0
    counts = Counter(secret)
    length = len(secret)
    shannon = -sum(n / length * math.log2(n / length) for n in counts.values()) * length
    compressed = 8 * max(0, len(zlib.compress(secret.encode(), 9)) - ZLIB_OVERHEAD)
    return min(shannon, float(compressed))


def secret_problem(secret: str, placeholder: str) -> str | None:
    """Why `secret` is refused in production, or None."""
    if secret == placeholder:
        return "VSSID_SECRET_KEY is the development placeholder"
    if len(secret.strip().encode()) < MIN_BYTES:
        return f"VSSID_SECRET_KEY must be at least {MIN_BYTES} bytes (not counting spaces)"
    if estimated_bits(secret) < MIN_BITS or len(set(secret)) < 8:
        return "VSSID_SECRET_KEY has too little entropy (repeated characters or a pattern)"
    return None
