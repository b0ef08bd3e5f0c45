"""Loading tens of thousands of objects at once without the cyclic garbage collector in the way.

Start-up builds a state per card seen and a deck index per file; every few hundred allocations the
collector runs, and its full passes scan every object the process holds (all of Textual too),
though none of these new objects will ever be garbage. Pausing it for the load measurably shortens
start-up; it resumes afterwards, so nothing is leaked.
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
