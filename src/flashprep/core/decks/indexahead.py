"""Indexing the decks in a forked child while this process reads the review history.

When every derived cache is gone, loading the deck library parses and indexes every deck file
(at 50,000 cards about 1.4 s of CPU), and a cold `stats --json` then replays the whole history,
whose first read runs in this process alone. A child started first indexes the decks meanwhile
on the other core and writes their index caches; this process then loads the library as on
any warm start, from those caches. The child only warms caches: the library is always loaded
here, by the same code, so whatever the child did or failed to do, the decks are the same
(a missing or stale cache is indexed here, as without the child).
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
import warnings
from pathlib import Path

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.files.forkchild import cores_here
from flashprep.core.files.forkchild import end_child as _end
from flashprep.core.files.forkchild import quiet_child as _quiet_child
from flashprep.core.paths import Home

WAIT_SECONDS = 120.0
"""How long `wait` waits for the child before ending it (it takes seconds at most)."""


class IndexAhead:
    """A child indexing the decks (`pid`), or none (0): nothing to do, or no fork here."""

    def __init__(self, pid: int = 0) -> None:
        self.pid = pid

    def wait(self, seconds: float = WAIT_SECONDS) -> bool:
        """Wait for the child to finish (ended after `seconds`); whether it indexed them all."""
        if not self.pid:
            return False
        pid, self.pid = self.pid, 0
        deadline = time.monotonic() + seconds
        status = 0
        try:
            while True:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    return os.waitstatus_to_exitcode(status) == 0
                if time.monotonic() > deadline:
                    _end(pid)
                    return False
                time.sleep(0.01)
        except ChildProcessError:
            return False
        except BaseException:  # interrupted while waiting: no child is left behind
            _end(pid)
            raise

    def cancel(self) -> None:
        """End the child, if any, and reap it."""
        pid, self.pid = self.pid, 0
        if pid:
            _end(pid)


def index_ahead(home: Home, bundled_dir: Path | None = None) -> IndexAhead:
    """Start indexing the decks in a child when some deck has no index cache and this is a
    Linux machine with two cores or more; `DeckLibrary.load(home)` after `wait()`."""
    if not _two_cores() or not DeckLibrary.unloaded(home, bundled_dir).unindexed():
        return IndexAhead()
    with contextlib.suppress(AttributeError, ValueError):  # stdio buffers are this process's
        sys.stdout.flush()
        sys.stderr.flush()
    try:
        with warnings.catch_warnings():  # 3.12+ warns of forking with threads: none run yet
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
    except OSError:
        return IndexAhead()
    if pid == 0:  # the child: never returns
        code = 1
        try:
            _quiet_child()
            DeckLibrary.load(home, bundled_dir)
            code = 0
        finally:
            os._exit(code)
    return IndexAhead(pid)


def _two_cores() -> bool:
    return cores_here() > 1
