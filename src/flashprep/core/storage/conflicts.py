"""Edits made on two computers at once: the later one wins, the other is kept in `conflicts/`.

The logs never conflict (each computer writes its own, storage/device.py); what can is a file a
person edits: the profile (settings), `stories.toml`, a mock round, a deck or a deck's overrides.
File-sync tools keep both sides, the other one as a conflict copy beside the file: Syncthing
`name.sync-conflict-20261126-150211-ABCDEF1.toml`, Dropbox and Nextcloud `name (conflicted copy
2026-11-26).toml` or `name (Ann's conflicted copy ...)`. Such a copy is found when flashprep opens
the user for writing (`settle_copies`):

- of this computer's own log: it is append-only, so the entries the log lacks are merged back in
  (by the caller: UserStore.import_entries) and the copy kept in `conflicts/`;
- of a file a person edits: the later of the two (modification time) stays or becomes the file,
  if it is TOML at all (a copy that is not is never put in place), and the other is moved to
  `conflicts/`, the user told once;
- of another computer's log: reported only; that computer merges it when it opens.

With git, `flashprep sync` settles a merge conflict the same way (commands/sync.py).
"""

from __future__ import annotations

import contextlib
import os
import re
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from flashprep.core.files.fileio import atomic_write, ensure_dir
from flashprep.core.paths import Home, UserPaths
from flashprep.core.storage.reviewlog import MONTH_FILE

_COPY = re.compile(
    r"(?:\.sync-conflict-\d{8}-\d{6}-[A-Z0-9]{7}"  # Syncthing
    r"| \((?:[^()]*'s )?conflicted copy(?: [^()]*)?\))"  # Dropbox, Nextcloud, ownCloud
)


_DERIVED = {"state.toml"}
"""Rebuilt from the logs whenever it does not match them: a copy of it is never read."""


class Copy(NamedTuple):
    """A conflict copy and the file it is a copy of."""

    path: Path
    original: Path


def original_of(path: Path) -> Path | None:
    """The file a conflict copy is a copy of (None when `path` is no conflict copy)."""
    name = _COPY.sub("", path.name, count=1)
    return path.with_name(name) if name != path.name else None


def _copies(folder: Path) -> list[Copy]:
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    found: list[Copy] = []
    for name in names:
        path = folder / name
        original = original_of(path)
        if original is None or original.suffix != ".toml" or original.name in _DERIVED:
            continue  # a copy of a file flashprep does not read as a record: left alone
        if path.is_file() and not path.is_symlink():
            found.append(Copy(path, original))
    return found


def find_copies(home: Home, paths: UserPaths) -> list[Copy]:
    """Every conflict copy of a file flashprep reads, for one user and the shared decks."""
    folders = [paths.folder, paths.mock, home.decks, home.overrides, paths.reviews]
    with contextlib.suppress(OSError):
        folders += sorted(p for p in paths.reviews.iterdir() if p.is_dir())
    return [copy for folder in folders for copy in _copies(folder)]


def is_log(copy: Copy) -> bool:
    """Whether the copy is of a month file of a review log."""
    return MONTH_FILE.match(copy.original.name) is not None


def _kept_name(path: Path, conflicts: Path, now: datetime) -> Path:
    ensure_dir(conflicts)
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = conflicts / f"{stamp}-{path.name}"
    n = 1
    while target.exists():
        n += 1
        target = conflicts / f"{stamp}-{n}-{path.name}"
    return target


def keep_aside(copy_path: Path, conflicts: Path, now: datetime) -> Path:
    """Move a losing version into `conflicts/`, named after the time and the file."""
    target = _kept_name(copy_path, conflicts, now)
    os.rename(copy_path, target)
    return target


def _is_toml(path: Path) -> bool:
    try:
        tomllib.loads(path.read_bytes().decode())
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    return True


def settle_edit(copy: Copy, conflicts: Path, now: datetime) -> str:
    """The later of a file and its conflict copy stays; the other goes to `conflicts/`.
    Returns what to tell the user."""
    original = copy.original
    try:
        later = copy.path.stat().st_mtime_ns > original.stat().st_mtime_ns
    except FileNotFoundError:  # the file itself is gone: the copy is all there is
        later = True
    kept: Path | None
    if later and _is_toml(copy.path):
        # A kill at any step leaves the file whole and at worst one more copy in conflicts/.
        kept = None
        if original.exists():
            kept = _kept_name(original, conflicts, now)
            atomic_write(kept, original.read_bytes())
        atomic_write(original, copy.path.read_bytes())
        copy.path.unlink()
    else:
        kept = keep_aside(copy.path, conflicts, now)
    where = f"; the other one is in {kept}" if kept is not None else ""
    return f"{original}: edited on two computers; the later edit is kept{where}"
