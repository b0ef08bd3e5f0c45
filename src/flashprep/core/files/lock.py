"""One writer at a time: a lock file held while a process changes a user's files or the decks.

The lock is an OS file lock (flock, via `filelock`), so it is released when its process dies,
however it dies: a lock left behind by a crash is simply taken over by the next process. Beside
it, `<lock>.info` names the holder (pid, host, command) so a refused second writer can say who
holds it. Two locks guard the data folder:

- `users/<name>/lock`: held by everything that writes a user's files (the TUI for its whole run,
  imports of review history); read-only commands do not take it.
- `decks/.lock` (`decks_lock`): held while the shared deck files are changed (an import writing
  a deck, a card edit saved from a drill), so two processes never rewrite the same deck at once.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import threading
from pathlib import Path

from filelock import FileLock, Timeout

from flashprep.core.files.fileio import atomic_write, ensure_dir
from flashprep.core.paths import Home

LOCK_FILE_MODE = 0o600


class LockedError(Exception):
    """Another process holds the lock (its message names the holder)."""


class UserLock:
    """An exclusive lock on a folder, re-entrant within one thread of this process.

    Locks on the same file share one underlying lock in a process, so code that already holds
    it (an import holding the decks lock) can call code that takes it again (saving a deck).
    """

    def __init__(
        self, folder: Path, what: str = "this user", name: str = "lock", private: bool = True
    ) -> None:
        self.folder = folder
        self.what = what
        self.private = private
        self.path = folder / name
        self.info = folder / f"{name}.info"
        self._lock = FileLock(
            str(self.path),
            timeout=0,
            mode=LOCK_FILE_MODE if private else 0o644,
        )
        self._depth = threading.local()

    @property
    def held(self) -> bool:
        """Whether this thread holds the lock."""
        return bool(getattr(self._depth, "n", 0))

    def holder(self) -> str:
        """Who holds the lock, from the info file its holder wrote."""
        try:
            info = json.loads(self.info.read_text())
            return f"pid {info['pid']} on {info['host']} ({info['command']})"
        except (OSError, ValueError, KeyError, TypeError):
            return "another process"

    def acquire(self, timeout: float = 0) -> None:
        """Take the lock, waiting up to `timeout` seconds; raise LockedError naming the holder."""
        if self.held:
            self._depth.n += 1
            return
        ensure_dir(self.folder, self.private)
        try:
            self._lock.acquire(timeout=timeout)
        except Timeout:
            raise LockedError(self.refusal()) from None
        self._depth.n = 1
        command = " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])[:200]
        info = {"pid": os.getpid(), "host": socket.gethostname(), "command": command}
        with contextlib.suppress(OSError):
            atomic_write(self.info, json.dumps(info).encode(), self.private, durable=False)

    def refusal(self) -> str:
        return (
            f"{self.folder}: {self.what} is in use by {self.holder()}; close it first "
            "(read-only commands such as `decks` and `stats --json` still work)"
        )

    def release(self) -> None:
        if not self.held:
            return
        self._depth.n -= 1
        if self._depth.n:
            return
        with contextlib.suppress(OSError):
            self.info.unlink()
        self._lock.release()

    def __enter__(self) -> UserLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


_decks_locks: dict[Path, UserLock] = {}
_decks_guard = threading.Lock()


def decks_lock(home: Home) -> UserLock:
    """The lock on the shared decks folder (one object per folder in this process)."""
    folder = home.decks.absolute()
    with _decks_guard:
        lock = _decks_locks.get(folder)
        if lock is None:
            lock = _decks_locks[folder] = UserLock(folder, "the shared decks", ".lock", False)
        return lock


DECKS_WAIT_SECONDS = 5.0
"""How long a short deck write (a card edit) waits for an import holding the decks lock."""
