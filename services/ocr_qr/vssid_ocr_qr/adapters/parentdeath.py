"""Pool processes die with the service: Linux's parent-death signal, armed in each of them.

A SIGKILLed ocr_qr cannot shut its pool down; without this its decoder processes would live
on, orphaned, holding memory and a core each.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent(parent_pid: int) -> None:
    """Ask the kernel to SIGKILL this process when its parent dies; exit now if it already did.

    Linux sends the signal when the parent *thread* that created this process ends: the pool
    starts its processes from the service's main (event-loop) thread, which lives as long as
    the service.
    """
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            errno = ctypes.get_errno()
            raise OSError(errno, f"prctl(PR_SET_PDEATHSIG): {os.strerror(errno)}")
    # The parent may have died before the signal was armed, and then no signal will come.
    if os.getppid() != parent_pid:
        os._exit(1)
