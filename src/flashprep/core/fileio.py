"""Durable file writes: atomic replace, fsynced appends, owner-only permissions.

A user's history is sacred: a file is either the old version or the new one, never half of each.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def file_stamp(path: Path) -> list[int] | None:
    """[size, mtime in ns] of a file, or None if it is missing: what derived caches are keyed by."""
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


def ensure_dir(path: Path, private: bool = True) -> None:
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE if private else 0o777)


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


def atomic_write(path: Path, data: bytes, private: bool = True) -> None:
    """Write `data` to `path` atomically: temp file beside it, fsync, rename, fsync the folder."""
    ensure_dir(path.parent, private)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if private:
            os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def append_durable(path: Path, data: bytes, header: bytes = b"") -> tuple[int, int]:
    """Append `data` and fsync; a new file starts with `header`. Returns the (start, end) offsets.

    The offsets let the caller truncate exactly this append again (undo).
    """
    created = not path.exists()
    if created:
        ensure_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
    try:
        if created and header:
            os.write(fd, header)
        start = os.lseek(fd, 0, os.SEEK_END)
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
        end = os.lseek(fd, 0, os.SEEK_END)
    finally:
        os.close(fd)
    if created:
        fsync_dir(path.parent)
    return start, end


def truncate_durable(path: Path, size: int) -> None:
    """Cut a file back to `size` bytes and fsync (undo of the last append)."""
    fd = os.open(path, os.O_WRONLY)
    try:
        os.ftruncate(fd, size)
        os.fsync(fd)
    finally:
        os.close(fd)
