"""Forked children: how many cores they may use, what each does first, how one is ended.

The cold path forks children to use the second core (the split replay and calibration in
core/stats/splitreplay.py, the deck indexes in core/decks/indexahead.py). Each must leave the
terminal, signals and the collector to its parent, and be killed and reaped the same way, so
this is written once here.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import sys


def quiet_child() -> None:
    """A child leaves the terminal, signals and the collector to its parent: Ctrl-C ends it;
    a resize is not its business; its objects live until it exits. It runs only its one task
    (no lock another thread may have held at the fork) and leaves by os._exit, so no exit
    handler or stdio buffer of the parent's is run twice."""
    gc.disable()
    with contextlib.suppress(ValueError, OSError):
        signal.set_wakeup_fd(-1)
    for name in ("SIGINT", "SIGWINCH", "SIGTERM"):
        number = getattr(signal, name, None)
        if number is not None:
            with contextlib.suppress(ValueError, OSError):
                signal.signal(number, signal.SIG_DFL)


def cores_here() -> int:
    """How many cores a forked child could use beside this process: 1 where forking is not how
    flashprep splits work (not Linux, or no fork)."""
    if not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return 1
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def end_child(pid: int) -> None:
    """Kill a child and reap it, whether or not it is still running."""
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        os.waitpid(pid, 0)
