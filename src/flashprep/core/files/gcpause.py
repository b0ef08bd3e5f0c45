"""Loading tens of thousands of objects at once without the cyclic garbage collector in the way.

Start-up builds a state per card seen and a deck index per file; every few hundred allocations the
collector runs, and its full passes scan every object the process holds (all of Textual too),
though none of these new objects will ever be garbage. Pausing it for the load measurably shortens
start-up; it resumes afterwards, so nothing is leaked.

A process that ends when its one command does (the command line's import) may also leave what
it built to the end instead of freeing it object by object (`leave_to_exit`).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector inside the block (if it was running)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


_ending = False
"""Whether the process ends when the command running now returns (see `ending_process`)."""

_left: list[object] = []
"""What `leave_to_exit` kept. The list holds itself too, so that clearing this module's names at
exit does not free it (nor what it holds), and it is frozen: the collector never walks it."""
_left.append(_left)


@contextlib.contextmanager
def ending_process() -> Iterator[None]:
    """The block is the rest of the process: the command line's one command (flashprep.launch).
    A caller that goes on afterwards (a test, the TUI's dialogs) never enters it."""
    global _ending
    was = _ending
    _ending = True
    try:
        yield
    finally:
        _ending = was


def process_ending() -> bool:
    """Whether the process ends when the command running now returns (`ending_process`)."""
    return _ending


def leave_to_exit(held: object) -> None:
    """Keep `held` to the process's end, whose memory the system takes back at once, instead of
    freeing its objects one by one now (an import's million log entries: about 0.3 s). Only
    memory is left: every file was written, fsynced and closed before, and the interpreter
    still exits as ever (exit handlers run, stdout and stderr flushed).

    Everything alive is frozen too: the collector's later passes (and its last, at exit) skip it.
    Call it only in `ending_process` (the caller checks `process_ending`)."""
    _left.append(held)
    gc.freeze()
