"""Rolling backups of a user's files: `users/<name>/backups/<number>-<time>/`.

Each backup is a complete copy of the user's files at one moment (profile.toml, state.toml and
every month of reviews/), so recovering is copying files back. Month files that have not changed
since the previous backup are hard links to its copy (copies are never modified), so a backup
costs about the size of the checkpoint plus the current month. A backup is built in a hidden
folder and renamed into place: a crash leaves either a whole backup or none.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flashprep.core import paths
from flashprep.core.files.fileio import copy_private, ensure_dir, fsync_dir, stat_stamp
from flashprep.core.paths import UserPaths

KEEP_NEWEST = 10
"""The newest backups always kept."""
KEEP_DAILY = 7
"""Beyond those, the last backup of each of this many earlier days is kept."""
MIN_SPACING = timedelta(minutes=30)
"""A new backup is made when the checkpoint is rewritten and the newest is older than this."""
MANIFEST = "manifest.json"

_NAME = re.compile(r"^(\d{6})-(\d{8}T\d{6}Z)$")
_STAMP = "%Y%m%dT%H%M%SZ"
_UNFINISHED = ".new-"


def backup_files(user_folder: Path) -> list[str]:
    """The user's files a backup holds, relative to their folder."""
    own = (paths.PROFILE, paths.STATE, paths.STORIES)
    names = [n for n in own if (user_folder / n).is_file()]
    for sub in (paths.REVIEWS, paths.MOCK):  # the review log, and the mock interview rounds
        folder = user_folder / sub
        if folder.is_dir():
            names += _log_names(folder, sub)
            if sub == paths.REVIEWS:  # each device's log (storage/device.py)
                for device in sorted(p for p in folder.iterdir() if p.is_dir()):
                    names += _log_names(device, f"{sub}/{device.name}")
    return names


def _log_names(folder: Path, rel: str) -> list[str]:
    return sorted(
        f"{rel}/{p.name}"
        for p in folder.iterdir()
        if p.is_file() and (p.suffix == ".toml" or p.name.endswith(".toml.partial"))
    )


def list_backups(user_folder: Path) -> list[Path]:
    """Complete backups, oldest first."""
    folder = UserPaths(user_folder).backups
    if not folder.is_dir():
        return []
    found = [p for p in folder.iterdir() if _NAME.match(p.name) and p.is_dir()]
    return sorted(found, key=lambda p: p.name)


def newest_backup(user_folder: Path) -> Path | None:
    backups = list_backups(user_folder)
    return backups[-1] if backups else None


def backup_time(backup: Path) -> datetime | None:
    match = _NAME.match(backup.name)
    if match is None:
        return None
    return datetime.strptime(match.group(2), _STAMP).replace(tzinfo=UTC)


def backup_due(user_folder: Path, now: datetime) -> bool:
    """Whether a new backup is due: none yet, the newest is old, or the clock went back."""
    newest = newest_backup(user_folder)
    when = backup_time(newest) if newest else None
    return when is None or not (now - MIN_SPACING < when <= now)


def _manifest(backup: Path | None) -> dict[str, list[int]]:
    if backup is None:
        return {}
    try:
        data = json.loads((backup / MANIFEST).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def make_backup(user_folder: Path, now: datetime) -> Path:
    """Copy the user's files into a new backup folder, then drop the backups no longer kept."""
    root = UserPaths(user_folder).backups
    ensure_dir(root)
    previous = newest_backup(user_folder)
    number = int(previous.name[:6]) + 1 if previous else 1
    name = f"{number % 1_000_000:06d}-{now.astimezone(UTC).strftime(_STAMP)}"
    work = root / f"{_UNFINISHED}{secrets.token_hex(4)}"
    ensure_dir(work)
    old = _manifest(previous)
    manifest: dict[str, list[int]] = {}
    try:
        for rel in backup_files(user_folder):
            source = user_folder / rel
            target = work / rel
            ensure_dir(target.parent)
            stamp = stat_stamp(source.stat())
            linked = False
            if (
                previous is not None
                and rel.startswith(("reviews/", "mock/"))
                and old.get(rel) == stamp
            ):
                with contextlib.suppress(OSError):
                    os.link(previous / rel, target)
                    linked = True
            if not linked:
                copy_private(source, target)
            manifest[rel] = stamp
        (work / MANIFEST).write_text(json.dumps(manifest, indent=1))
        os.chmod(work / MANIFEST, 0o600)
        fsync_dir(work)
        final = root / name
        os.rename(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    fsync_dir(root)
    prune(user_folder)
    return final


def prune(user_folder: Path) -> None:
    """Keep the KEEP_NEWEST newest backups and the last one of each of KEEP_DAILY earlier days."""
    backups = list_backups(user_folder)
    keep = set(backups[-KEEP_NEWEST:])
    days: dict[object, Path] = {}
    for backup in backups[:-KEEP_NEWEST]:
        when = backup_time(backup)
        if when is not None:
            days[when.date()] = backup  # oldest first, so the last one of each day wins
    keep.update(list(days.values())[-KEEP_DAILY:])
    for backup in backups:
        if backup not in keep:
            shutil.rmtree(backup, ignore_errors=True)


def remove_unfinished_backups(user_folder: Path) -> None:
    """Delete half-built backups a crash left behind (only while holding the user's lock)."""
    root = UserPaths(user_folder).backups
    if root.is_dir():
        for path in root.iterdir():
            if path.name.startswith(_UNFINISHED):
                shutil.rmtree(path, ignore_errors=True)
