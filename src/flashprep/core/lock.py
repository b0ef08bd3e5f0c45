"""One writer per user: a lock file held while a drill (or any writer) runs.

The lock is an OS file lock (via `filelock`), so it is released when its process dies, however it
dies: a lock left behind by a crash is simply taken over. Beside it, `lock.info` names the holder
(pid, host, command) so a refused second writer can say who holds it.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
from pathlib import Path

from filelock import FileLock, Timeout

from flashprep.core.fileio import ensure_dir


class LockedError(Exception):
    """Another flashprep is writing this user's files."""


class UserLock:
    def __init__(self, folder: Path, what: str = "user") -> None:
        self.folder = folder
        self.what = what
        self.path = folder / "lock"
        self.info = folder / "lock.info"
        self._lock = FileLock(str(self.path), timeout=0)

    def holder(self) -> str:
        try:
            info = json.loads(self.info.read_text())
            return f"pid {info['pid']} on {info['host']} ({info['command']})"
        except (OSError, ValueError, KeyError, TypeError):
            return "another process"

    def acquire(self) -> None:
        ensure_dir(self.folder)
        try:
            self._lock.acquire()
        except Timeout:
            raise LockedError(
                f"{self.folder}: {self.what} is in use by {self.holder()}; "
                "close it first (read-only commands such as `decks` and `stats --json` still work)"
            ) from None
        command = " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])[:200]
        info = {"pid": os.getpid(), "host": socket.gethostname(), "command": command}
        with contextlib.suppress(OSError):
            self.info.write_text(json.dumps(info))

    def release(self) -> None:
        if self._lock.is_locked:
            with contextlib.suppress(OSError):
                self.info.unlink()
            self._lock.release()

    def __enter__(self) -> UserLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
