"""The `flashprep` command's entry point: the CLI is imported with the garbage collector paused.

Start-up imports a few hundred modules (Textual above all) and every few hundred new objects the
collector runs over them, finding nothing to free: pausing it for the imports shortens start-up.
It runs again before any command does its work (core/files/gcpause.py: the loads it pauses for).
"""

from __future__ import annotations

import atexit
import gc
from collections.abc import Sequence

from flashprep.core.files.gcpause import ending_process, gc_paused


def main(argv: Sequence[str] | None = None) -> int:
    with gc_paused():
        from flashprep import cli
    # At exit the collector's last passes walk every object the process holds, to free nothing
    # (about 0.05 s): frozen, they are skipped. Registered here, not for in-process callers.
    atexit.register(gc.freeze)
    with ending_process():  # nothing runs after the command: what it holds may wait for the end
        return cli.main(argv)
