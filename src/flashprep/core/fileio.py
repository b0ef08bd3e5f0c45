"""Durable file writes: atomic replace, fsynced appends, owner-only permissions.

A user's history is sacred: a file is either the old version or the new one, never half of each,
and an append either lands whole or is taken back.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700
TEMP_SUFFIX = ".tmp"
_TEMP_NAME = re.compile(r"^\..+\.[A-Za-z0-9_]+\.tmp$")
"""Names `atomic_write` gives its temporary files (`.<name>.<random>.tmp`)."""


def file_stamp(path: Path) -> list[int] | None:
    """[size, mtime in ns] of a file, or None if it is missing: what derived caches are keyed by."""
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


def ensure_dir(path: Path, private: bool = True) -> None:
    """Create `path` and any missing parents; private folders are made owner-only (0700).

    Each folder created is made durable by an fsync of its parent, so a file written into it
    right after survives a power cut too.
    """
    if path.is_dir():
        return
    missing: list[Path] = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIR_MODE if private else 0o777)
        except FileExistsError:
            if not folder.is_dir():
                raise
            continue
        fsync_dir(folder.parent)


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file in `path` durable (a no-op where directories can't be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes, private: bool = True, durable: bool = True) -> None:
    """Write `data` to `path` atomically: temp file beside it, fsync, rename, fsync the folder.

    `durable=False` skips both fsyncs, for files that are checked when read and rebuilt when
    lost (derived caches, the lock's info): readers still see the old file or the new one, and
    an fsync can take long while the disk is busy."""
    ensure_dir(path.parent, private)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        if private:
            os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if durable:
        fsync_dir(path.parent)


def append_durable(path: Path, data: bytes, header: bytes = b"") -> tuple[int, int]:
    """Append `data` and fsync; a new file starts with `header`. Returns the (start, end) offsets.

    The offsets let the caller truncate exactly this append again (undo). If the write or the
    fsync fails (a full disk, say), the bytes already written are cut off again, so a failed
    append never leaves half a block behind.
    """
    created = not path.exists()
    if created:
        ensure_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
    try:
        start = os.lseek(fd, 0, os.SEEK_END)
        try:
            if start == 0 and header:
                _write_all(fd, header)
                start = os.lseek(fd, 0, os.SEEK_END)
            _write_all(fd, data)
            os.fsync(fd)
        except BaseException:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, start)
                os.fsync(fd)
            raise
        end = os.lseek(fd, 0, os.SEEK_END)
    finally:
        os.close(fd)
    if created:
        fsync_dir(path.parent)
    return start, end


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def truncate_durable(path: Path, size: int) -> None:
    """Cut a file back to `size` bytes and fsync (undo of the last append)."""
    fd = os.open(path, os.O_WRONLY)
    try:
        os.ftruncate(fd, size)
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_stale_temps(folder: Path) -> list[Path]:
    """Delete temporary files a crash left behind in `folder` (only while holding its lock).

    They are unfinished copies of files that were never renamed into place, so nothing is lost;
    the file they were meant to replace is intact.
    """
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for path in folder.iterdir():
        if _TEMP_NAME.match(path.name) and path.is_file() and not path.is_symlink():
            with contextlib.suppress(OSError):
                path.unlink()
                removed.append(path)
    return removed


def copy_private(source: Path, target: Path) -> None:
    """Copy a file's bytes to a new owner-only file (backups)."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(fd, "wb") as out, source.open("rb") as src:
        shutil.copyfileobj(src, out)
        out.flush()
        os.fsync(out.fileno())
