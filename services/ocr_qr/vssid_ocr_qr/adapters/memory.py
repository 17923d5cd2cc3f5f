"""glibc malloc settings for decode processes: keep freed memory instead of returning it."""

from __future__ import annotations

import ctypes
import ctypes.util

# mallopt parameters (glibc's malloc.h).
_M_TRIM_THRESHOLD = -1
_M_TOP_PAD = -2
_M_MMAP_THRESHOLD = -3
# A decode allocates and frees tens of MB per photo (grey copies, close-ups, OpenCV buffers).
# By default glibc serves each from fresh mmap pages and hands them back on free, so every photo
# pays its page faults again: 1-3 ms of the autofill's time in bench/autofill.py. Served from a
# heap that is kept, a pool process holds on to its largest photo's working set instead (a few
# hundred MB at the 50 MP upload limit).
KEEP_BYTES = 512 * 1024 * 1024


def keep_freed_memory() -> bool:
    """Apply the settings to this process; False where the C library is not glibc."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    libc = ctypes.CDLL(name)
    mallopt = getattr(libc, "mallopt", None)
    if mallopt is None:
        return False
    settings = (
        (_M_MMAP_THRESHOLD, KEEP_BYTES // 2),
        (_M_TRIM_THRESHOLD, KEEP_BYTES),
        (_M_TOP_PAD, 64 * 1024 * 1024),
    )
    return all(mallopt(param, value) == 1 for param, value in settings)
