"""Scratch folders for an import's unpacked files, inside the data folder (`cache/staging/`).

An Anki package's collection must be a file for SQLite to read it (up to 1 GiB). It is unpacked
into `<home>/cache/staging/<random>/` rather than the system's temp folder, so the user's cards
never leave the data folder; the folder is removed when the import ends. A killed import leaves
its folder behind: every command removes such leftovers when it starts (`tidy_staging`).

Each folder holds a lock file its process keeps locked while it works (an OS lock, released when
the process dies), so that a command starting meanwhile removes only the folders of processes
that are gone, never one an import in another terminal is still reading.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from flashprep.core.files.fileio import ensure_dir

LOCK_NAME = "in-use.lock"
GRACE_SECONDS = 5.0
"""A folder younger than this is left alone: its maker may not have locked it yet."""


@contextmanager
def staged(root: Path | None, prefix: str) -> Iterator[Path]:
    """A new private folder in `root` (created when missing), removed when done.

    With `root` None (a caller without a data folder), or a data folder that cannot be written
    to (a read-only one still allows `import --dry-run`), the system's temp folder is used.
    """
    folder: Path | None = None
    if root is not None:
        try:
            ensure_dir(root)
            folder = Path(tempfile.mkdtemp(prefix=prefix, dir=root))
        except OSError:
            folder = None
    if folder is None:
        folder = Path(tempfile.mkdtemp(prefix=f"flashprep-{prefix}"))
    lock = FileLock(str(folder / LOCK_NAME), timeout=0)
    try:
        lock.acquire()
        yield folder
    finally:
        lock.release()
        shutil.rmtree(folder, ignore_errors=True)


def tidy_staging(root: Path) -> list[Path]:
    """Remove the staging folders of processes that are gone (see the module docstring).

    Never raises: a folder that cannot be removed now is tried again at the next start."""
    removed: list[Path] = []
    try:
        entries = list(root.iterdir())
    except OSError:
        return removed  # no staging folder (the usual case), or one we cannot read
    now = time.time()
    for entry in entries:
        try:
            if entry.is_symlink() or not entry.is_dir():
                continue
            if now - entry.stat().st_mtime < GRACE_SECONDS:
                continue
            lock = FileLock(str(entry / LOCK_NAME), timeout=0)
            lock.acquire()
        except (OSError, Timeout):
            continue  # in use by a running import, or not ours to judge
        try:
            shutil.rmtree(entry, ignore_errors=True)
            if not entry.exists():
                removed.append(entry)
        finally:
            with contextlib.suppress(OSError):
                lock.release()
    return removed
