"""Moving a log of a release before syncing into this computer's own log folder, once.

Before syncing, a user's month files lay directly in `reviews/`; two computers that both used
flashprep then hold different files of the same name, which no sync tool can merge. The first
writing start on each computer moves them into `reviews/<device-id>/` (storage/device.py).

Safe at every step: a backup of the user's files is made first; the checkpoint, whose position
names the old place, is removed next (the schedule is replayed from the log); then each file is
moved by one rename, which is atomic. A kill between two renames leaves some months in the old
place and some in the new: readers merge both as one history (logread.merge_devices) and the
next writing start moves the rest. A month already in the device's folder is never replaced.
"""

from __future__ import annotations

import contextlib
import os
from datetime import datetime
from pathlib import Path

from flashprep.core.files.fileio import ensure_dir, fsync_dir
from flashprep.core.paths import UserPaths
from flashprep.core.storage.backup import make_backup
from flashprep.core.storage.reviewlog import MONTH_FILE


def flat_log(paths: UserPaths) -> list[Path]:
    """The month files (and their `.partial` files) still directly in `reviews/`."""
    try:
        found = list(paths.reviews.iterdir())
    except OSError:
        return []
    return sorted(
        p
        for p in found
        if p.is_file()
        and (MONTH_FILE.match(p.name) or MONTH_FILE.match(p.name.removesuffix(".partial")))
    )


def migrate_flat_log(paths: UserPaths, device: str, now: datetime) -> list[str]:
    """Move the month files in `reviews/` to `reviews/<device>/` (a backup first); return
    notes for the user. Only a process holding the user's lock calls it."""
    target = paths.device_log(device)
    flat = flat_log(paths)
    movable = [path for path in flat if not (target / path.name).exists()]
    if not movable:
        return []
    backup = make_backup(paths.folder, now)
    for derived in (paths.cache_state, paths.state):
        with contextlib.suppress(FileNotFoundError):
            derived.unlink()
    fsync_dir(paths.folder)
    ensure_dir(target)
    for path in movable:
        os.rename(path, target / path.name)
    kept = [path.name for path in flat if path not in movable]
    fsync_dir(target)
    fsync_dir(paths.reviews)
    notes = [
        f"review log moved to reviews/{device}/ so that the data folder can be synced "
        f"(a backup was made first: backups/{backup.name})"
    ]
    if kept:
        notes.append(
            f"reviews/{', '.join(kept)}: not moved, reviews/{device}/ has a file of that name; "
            "both are read as one history"
        )
    return notes
