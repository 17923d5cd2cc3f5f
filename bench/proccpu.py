"""CPU seconds of a process and all its live descendants, read from /proc (Linux only)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None  # gone since the listing
    # The command name (field 2) may hold spaces and parentheses: split after its last ")".
    return text[text.rindex(")") + 2 :].split()


def _parents() -> dict[int, int]:
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := _stat_fields(int(entry))) is not None:
            parents[int(entry)] = int(fields[1])
    return parents


def descendants(root: int, parents: dict[int, int]) -> list[int]:
    """`root` and every live process below it (pool workers, spawned helpers)."""
    children: dict[int, list[int]] = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def tree_cpu(roots: dict[str, int]) -> dict[str, float]:
    """CPU seconds (user + system) per named root, counting its live descendants and the
    children it has reaped (cutime/cstime), so a pool process that exits is not lost."""
    parents = _parents()
    totals = {}
    for name, root in roots.items():
        ticks = 0
        for pid in descendants(root, parents):
            fields = _stat_fields(pid)
            if fields is not None:
                # After the name: state, ppid, ... utime is field 14, so index 11 here.
                ticks += sum(int(v) for v in fields[11:15])  # utime stime cutime cstime
        totals[name] = ticks / _TICK
    return totals


QUIET = 1.5  # seconds either side of a batch: the last answer's work is done


def spent_during(pid: int, work: Callable[[], object]) -> float:
    """CPU seconds process `pid` (and its descendants) spends while `work` runs, read after a
    quiet pause either side so that no earlier or trailing work is counted."""
    time.sleep(QUIET)
    before = tree_cpu({"p": pid})["p"]
    work()
    time.sleep(QUIET)
    return tree_cpu({"p": pid})["p"] - before
