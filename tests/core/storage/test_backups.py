"""Rolling backups of a user's files: complete copies, made with the checkpoint, pruned, and a
crash while making one leaves nothing half-built."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable

from flashprep.core.files.lock import UserLock
from flashprep.core.paths import Home
from flashprep.core.storage import backup
from flashprep.core.storage.backup import backup_files, list_backups, make_backup, newest_backup
from flashprep.core.storage.userstore import UserStore

from helpers import FakeClock

Make = Callable[..., UserStore]


def test_a_checkpoint_makes_a_complete_backup(store: UserStore) -> None:
    store.grade("alpha/a1", 3)
    store.checkpoint()
    made = newest_backup(store.folder)
    assert made is not None and made.name == "000001-20261126T150000Z"
    log = f"reviews/{store.device}/2026-11.toml"  # this computer's log (storage/device.py)
    assert sorted(backup_files(made)) == ["profile.toml", log, "state.toml"]
    for rel in backup_files(store.folder):
        assert (made / rel).read_bytes() == (store.folder / rel).read_bytes()


def test_backups_are_spaced_and_unchanged_months_are_shared(
    store: UserStore, clock: FakeClock
) -> None:
    store.grade("alpha/a1", 3)
    store.checkpoint()
    clock.advance(minutes=10)
    store.grade("alpha/a2", 3)
    store.checkpoint()
    assert len(list_backups(store.folder)) == 1  # the newest is not 30 minutes old yet
    clock.advance(days=6)  # December: November's file no longer changes
    store.grade("alpha/a3", 3)
    store.checkpoint()
    clock.advance(hours=1)
    store.grade("beta/b1", 3)
    store.checkpoint()
    first, second = list_backups(store.folder)[-2:]
    november = f"reviews/{store.device}/2026-11.toml"
    assert os.stat(first / november).st_ino == os.stat(second / november).st_ino  # hard link
    december = f"reviews/{store.device}/2026-12.toml"
    assert (second / december).read_bytes() == (store.folder / december).read_bytes()
    assert (first / december).read_bytes() != (second / december).read_bytes()


def test_old_backups_are_pruned_keeping_recent_ones_and_one_a_day(
    store: UserStore, clock: FakeClock
) -> None:
    store.grade("alpha/a1", 3)
    for _ in range(30):  # 30 backups, 8 hours apart: 10 days
        make_backup(store.folder, clock())
        clock.advance(hours=8)
    kept = list_backups(store.folder)
    newest = kept[-backup.KEEP_NEWEST :]
    assert [int(b.name[:6]) for b in newest] == list(range(21, 31))
    older = kept[: -backup.KEEP_NEWEST]
    days = [backup.backup_time(b).date() for b in older]  # type: ignore[union-attr]
    assert len(older) == backup.KEEP_DAILY and len(set(days)) == len(days)


def test_a_half_made_backup_is_removed_by_the_next_writer(
    store: UserStore, home: Home, clock: FakeClock
) -> None:
    store.grade("alpha/a1", 3)
    unfinished = store.folder / "backups" / ".new-deadbeef"
    (unfinished / "reviews").mkdir(parents=True)
    (unfinished / "state.toml").write_text("half")
    stale_temp = store.folder / ".state.toml.abc123.tmp"
    stale_temp.write_text("half")
    (store.folder / "cache").mkdir(exist_ok=True)
    edit = store.folder / "cache" / "edit-card-x1.toml"  # flashprep died while $EDITOR ran
    edit.write_text("front = 'Q'")
    UserStore(home, "tester", clock)  # a reader leaves them alone
    assert unfinished.exists() and stale_temp.exists() and edit.exists()
    with UserLock(store.folder) as lock:
        UserStore(home, "tester", clock, lock=lock)
    assert not unfinished.exists() and not stale_temp.exists() and not edit.exists()
    assert list_backups(store.folder) == []


def test_backups_are_private(store: UserStore, clock: FakeClock) -> None:
    store.grade("alpha/a1", 3)
    store.checkpoint()
    made = newest_backup(store.folder)
    assert made is not None
    for path in [made, *made.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), path


def test_a_backup_that_cannot_be_made_does_not_stop_the_checkpoint(
    store: UserStore, clock: FakeClock
) -> None:
    store.grade("alpha/a1", 3)
    (store.folder / "backups").write_text("a file where the folder should be")
    store.checkpoint()
    assert store.state_path.is_file()
    assert any("backup not made" in note for note in store.notes)
