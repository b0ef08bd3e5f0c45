"""Durable file writes: atomic replace, fsynced appends, permissions.

A user's history is sacred: a file is either the old version or the new one, never half of each,
and an append either lands whole or is taken back.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700
TEMP_SUFFIX = ".tmp"
_TEMP_NAME = re.compile(r"^\..+\.[A-Za-z0-9_]+\.tmp$")
"""Names `atomic_write` gives its temporary files (`.<name>.<random>.tmp`)."""


def stat_stamp(st: os.stat_result) -> list[int]:
    """[size, mtime in ns]: what derived caches and backups know a file's version by."""
    return [st.st_size, st.st_mtime_ns]


def file_stamp(path: Path) -> list[int] | None:
    """A file's stamp (see stat_stamp), or None if it is missing or unreadable."""
    try:
        st = path.stat()
    except OSError:
        return None
    return stat_stamp(st)


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


def shared_file_mode() -> int:
    """The mode a shared file gets: 0666 less the umask, as any program's output.

    The umask is read by setting it, so it is set to 077 for that instant: a file another thread
    creates meanwhile is only more private, never less.
    """
    mask = os.umask(0o077)
    os.umask(mask)
    return 0o666 & ~mask


def named(exc: OSError, path: Path) -> OSError:
    """`exc` with the file it is about, so the one-line error names it (a full disk does not)."""
    if exc.filename is None:
        exc.filename = str(path)
    return exc


def _write_temp(
    path: Path,
    data: bytes,
    private: bool,
    durable: bool,
    on_temp: Callable[[Path], None] | None = None,
) -> Path:
    """`data` in a new temporary file beside `path` (`.<name>.<random>.tmp`), fsynced if durable.

    Private files (a user's folder) are owner-only (0600); shared ones (decks, their caches, an
    export) follow the umask (see `shared_file_mode`).
    """
    ensure_dir(path.parent, private)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    with _removed_on_failure(tmp, path):
        try:
            if on_temp is not None:
                on_temp(Path(tmp))
            os.fchmod(fd, FILE_MODE if private else shared_file_mode())
            _write_all(fd, data)
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
    return Path(tmp)


@contextlib.contextmanager
def _removed_on_failure(tmp: str | Path, path: Path) -> Iterator[None]:
    """On any failure inside: the temporary file removed, an OSError made to name `path`."""
    try:
        yield
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            named(exc, path)
        raise


def atomic_write(
    path: Path,
    data: bytes,
    private: bool = True,
    durable: bool = True,
    on_temp: Callable[[Path], None] | None = None,
) -> None:
    """Write `data` to `path` atomically: temp file beside it, fsync, rename, fsync the folder.

    `durable=False` skips both fsyncs, for files that are checked when read and rebuilt when
    lost (derived caches, the lock's info): readers still see the old file or the new one, and
    an fsync can take long while the disk is busy. `on_temp` is told the temporary file's path
    before anything is written to it (see PendingTemps). An error names `path`."""
    tmp = _write_temp(path, data, private, durable, on_temp)
    with _removed_on_failure(tmp, path):
        os.replace(tmp, path)
    if durable:
        fsync_dir(path.parent)


class StagedFiles:
    """Files replaced together, all or none (an import's decks and months of history).

    Every file is first written to its temporary file (fsynced): a full disk stops the change
    there, before any file is replaced, and the temporary files are removed. Then all are
    renamed into place. The old version of each is kept meanwhile as a hard link (which takes
    no space), so a failure while renaming puts back the files already replaced.
    """

    def __init__(self) -> None:
        self._staged: list[tuple[Path, Path]] = []

    def __len__(self) -> int:
        return len(self._staged)

    def stage(self, path: Path, data: bytes, private: bool = True) -> None:
        self._staged.append((path, _write_temp(path, data, private, durable=True)))

    def discard(self) -> None:
        """Remove the temporary files not renamed into place."""
        for _, tmp in self._staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        self._staged = []

    def commit(self) -> None:
        done: list[tuple[Path, Path | None]] = []
        try:
            for path, tmp in self._staged:
                old = _link_old(path)
                try:
                    os.replace(tmp, path)
                except OSError as exc:
                    if old is not None:
                        with contextlib.suppress(OSError):
                            os.unlink(old)
                    named(exc, path)
                    raise
                done.append((path, old))
        except BaseException:
            for path, old in reversed(done):  # put the old versions back
                with contextlib.suppress(OSError):
                    if old is None:
                        os.unlink(path)
                    else:
                        os.replace(old, path)
            raise
        finally:
            self.discard()
            for folder in {path.parent for path, _ in done}:
                fsync_dir(folder)
        for _, old in done:
            if old is not None:
                with contextlib.suppress(OSError):
                    os.unlink(old)


def _link_old(path: Path) -> Path | None:
    """A hard link to `path`'s current version, named like a temporary file (so a crash leaves
    it to the tidy-up), or None when there is no file or no hard links."""
    for _ in range(10):
        old = path.parent / f".{path.name}.{secrets.token_hex(4)}{TEMP_SUFFIX}"
        try:
            os.link(path, old)
        except FileExistsError:
            continue
        except OSError:
            return None
        return old
    return None


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
        except BaseException as exc:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, start)
                os.fsync(fd)
            if isinstance(exc, OSError):
                named(exc, path)
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


def is_temp_name(name: str) -> bool:
    """Whether `name` is one `atomic_write` gives its temporary files (`.<name>.<random>.tmp`)."""
    return _TEMP_NAME.match(name) is not None


def remove_stale_temps(folder: Path, min_age: float = 0) -> list[Path]:
    """Delete temporary files a crash left behind in `folder` (only while holding its lock).

    They are unfinished copies of files that were never renamed into place, so nothing is lost;
    the file they were meant to replace is intact. Only names of flashprep's own pattern are
    touched, never a symlink or a folder; one `scandir`, so it is cheap enough for every start.
    `min_age` (seconds) spares younger files, in folders that processes without the lock write
    too (derived caches): a temporary file that young may be another process's write in flight.
    """
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        if not _TEMP_NAME.match(entry.name):
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            if min_age and now - entry.stat(follow_symlinks=False).st_mtime < min_age:
                continue
            os.unlink(entry.path)
        except OSError:
            continue
        removed.append(Path(entry.path))
    return removed


class PendingTemps:
    """Temporary files of writes outside the data folder (`export -o`), recorded inside it.

    A write into a folder flashprep does not own cannot be tidied by scanning that folder (the
    pattern alone could match another program's file). So the temporary file's path is recorded
    in `folder` (one small file per write) before its data is written, and the record removed
    once it is renamed into place. A kill leaves the record: `tidy` deletes the file it names,
    only if it still has flashprep's temporary-file name, is a regular file and is older than
    `min_age` seconds (younger, it may be another process's write in flight).
    """

    def __init__(self, folder: Path, min_age: float = 600) -> None:
        self.folder = folder
        self.min_age = min_age

    def write(self, path: Path, data: bytes, private: bool = False) -> None:
        """`atomic_write`, with the temporary file recorded while it exists."""
        record: list[Path] = []

        def note(tmp: Path) -> None:
            ensure_dir(self.folder)
            name = self.folder / f"{secrets.token_hex(8)}.pending"
            name.write_text(str(tmp.absolute()), encoding="utf-8")
            record.append(name)

        try:
            atomic_write(path, data, private, on_temp=note)
        finally:
            for name in record:
                with contextlib.suppress(OSError):
                    name.unlink()

    def tidy(self) -> list[Path]:
        """Delete the temporary files that writes killed part-way left; returns them."""
        removed: list[Path] = []
        try:
            records = [p for p in self.folder.iterdir() if p.suffix == ".pending"]
        except OSError:
            return removed
        now = time.time()
        for record in records:
            try:
                tmp = Path(record.read_text(encoding="utf-8").strip())
                st = tmp.lstat()
            except FileNotFoundError:
                with contextlib.suppress(OSError):
                    record.unlink()  # the temporary file is gone: nothing left to do
                continue
            except (OSError, ValueError):
                continue
            if not stat.S_ISREG(st.st_mode) or not is_temp_name(tmp.name):
                with contextlib.suppress(OSError):
                    record.unlink()  # not ours (any more): never deleted
                continue
            if now - st.st_mtime < self.min_age:
                continue
            with contextlib.suppress(OSError):
                tmp.unlink()
                removed.append(tmp)
                record.unlink()
        return removed


def copy_private(source: Path, target: Path) -> None:
    """Copy a file's bytes to a new owner-only file (backups)."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(fd, "wb") as out, source.open("rb") as src:
        shutil.copyfileobj(src, out)
        out.flush()
        os.fsync(out.fileno())
