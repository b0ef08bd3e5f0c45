"""What a forked child does first, whatever work it was forked for.

The cold path forks children to use the second core (the split replay and calibration in
core/stats/splitreplay.py, the deck indexes in core/decks/indexahead.py). Each must leave the
terminal, signals and the collector to its parent, so this is written once here.
"""

from __future__ import annotations

import contextlib
import gc
import signal


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
