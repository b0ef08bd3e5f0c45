"""After a crash, and when a file is broken: what is tidied at opening, and what the user is told.

A crash can leave temporary files, a half-built backup and a cut-off last log entry; a writer
(the process holding the user's lock) tidies them when it opens the store. A broken file stops
the program with advice on getting going again, which depends on the file and on the backups.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from flashprep.core.files.fileio import PendingTemps, remove_stale_temps
from flashprep.core.paths import UserPaths
from flashprep.core.storage.backup import backup_time, newest_backup, remove_unfinished_backups
from flashprep.core.storage.logread import log_files
from flashprep.core.storage.logtail import repair_tail


def tidy_after_crash(paths: UserPaths, device: str) -> list[str]:
    """Remove what a crash can leave in a user's folder; return notes for the user.

    The loaded schedule already left a cut-off entry out; moving it aside only keeps the next
    append from landing after it. Only this computer's log (`device`) is repaired: another
    computer's file may be in transfer by a sync tool, and it is read as far as it is whole.
    """
    notes: list[str] = []
    own_log = paths.device_log(device)
    folders = (paths.folder, paths.cache, paths.cache_history, paths.reviews, own_log, paths.mock)
    for where in folders:
        remove_stale_temps(where)  # every folder of the user's that atomic_write writes
    PendingTemps(paths.cache / "pending").tidy()
    for edit in paths.cache.glob("edit-*.toml"):  # an $EDITOR session's file (card or story)
        with contextlib.suppress(OSError):
            edit.unlink()
    remove_unfinished_backups(paths.folder)
    for path in log_files(own_log):
        moved = repair_tail(path)
        if moved is not None:
            notes.append(
                f"{path}: its last entry was cut off (flashprep stopped while saving it); "
                f"its bytes were moved to {moved.name}"
            )
    return notes


def recovery_advice(folder: Path, rel: str) -> str:
    """How to get going again when the user's file `rel` (relative to `folder`) is broken."""
    backup = newest_backup(folder)
    copy = backup / rel if backup is not None else None
    if rel == "state.toml":
        return "it is only a checkpoint: delete it and flashprep rebuilds it from reviews/"
    if copy is not None and copy.is_file():
        when = backup_time(copy.parent if rel == "profile.toml" else copy.parent.parent)
        since = f" (changes since {when:%Y-%m-%d %H:%M} UTC are lost)" if when else ""
        return f"fix it by hand, or copy back the newest backup {copy}{since}"
    if rel == "profile.toml":
        return "fix it by hand, or delete it to start again from default settings"
    return "fix it by hand (docs/storage-format.md describes every field)"
