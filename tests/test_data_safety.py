"""Names, paths and permissions: nothing outside the data folder, user files owner-only."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from flashprep.cli import main
from flashprep.core.deck import Card
from flashprep.core.library import DeckLibrary
from flashprep.core.lock import UserLock
from flashprep.core.paths import Home
from flashprep.core.reviewlog import partial_path
from flashprep.core.userstore import UserStore

from helpers import FakeClock

Make = Callable[..., UserStore]


def tree(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        if p.is_file()
        else "dir"
        for p in sorted(folder.rglob("*"))
        if not p.is_symlink()
    }


def full_session(home: Home, clock: FakeClock, library: DeckLibrary) -> UserStore:
    """Everything that writes: grades, undo, bury, checkpoint, backup, a set-aside tail, edits."""
    with UserLock(home.user_dir("tester")) as lock:
        store = UserStore(home, "tester", clock, lock=lock)
        store.grade("alpha/a1", 3)
        store.grade("alpha/a2", 1)
        store.undo()
        store.record("beta/b1", "bury")
        store.checkpoint()
        log = store.log_dir / "2026-11.toml"
        with log.open("ab") as handle:
            handle.write(b'\n[[review]]\nid = "cut')  # a crash in the middle of an append
    with UserLock(home.user_dir("tester")) as lock:
        store = UserStore(home, "tester", clock, lock=lock)
        assert partial_path(log).exists()
        clock.advance(hours=2)
        store.grade("alpha/a3", 4)
        store.checkpoint()
    card = library.card("alpha/a1")
    assert card is not None
    library.save_card("alpha", Card.model_validate({**card.model_dump(), "front": "Edited"}))
    return store


def test_user_folders_and_files_are_owner_only(
    home: Home, clock: FakeClock, library: DeckLibrary
) -> None:
    old = os.umask(0o022)
    try:
        full_session(home, clock, library)
    finally:
        os.umask(old)
    users = home.root / "users"
    checked = 0
    for path in [users, *users.rglob("*")]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), f"{path}: {oct(mode)}"
        checked += 1
    names = {p.name for p in users.rglob("*")}
    assert {"reviews", "backups", "cache", "lock", "state.toml", "2026-11.toml.partial"} <= names
    assert checked > 12


def test_nothing_is_written_outside_the_data_folder(
    tmp_path: Path, home: Home, clock: FakeClock, decks_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    monkeypatch.setenv("TMPDIR", str(outside))
    monkeypatch.setenv("HOME", str(outside))
    target = outside / "victim.toml"
    target.write_text((decks_dir / "alpha.toml").read_text().replace('"alpha"', '"linked"', 1))
    home.decks.mkdir(parents=True)
    (home.decks / "linked.toml").symlink_to(target)  # an imported deck that is a symlink
    library = DeckLibrary.load(home, decks_dir)
    before = tree(tmp_path)
    full_session(home, clock, library)
    card = library.card("linked/a1")
    assert card is not None
    library.save_card("linked", Card.model_validate({**card.model_dump(), "back": "Mine"}))
    after = tree(tmp_path)
    changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    assert changed and all(k.startswith("home/") for k in changed), sorted(changed)
    assert "Mine" not in target.read_text()  # the link was replaced, its target left alone


@pytest.mark.parametrize(
    "deck_id", ["../evil", "..", "a/b", "/abs", "UPPER", ".hidden", "x" * 81, "nul\x00"]
)
def test_deck_ids_that_could_escape_are_refused(
    home: Home, decks_dir: Path, deck_id: str, tmp_path: Path
) -> None:
    home.decks.mkdir(parents=True)
    escaped = deck_id.replace("\\", "\\\\").replace("\x00", "\\u0000")
    (home.decks / "evil.toml").write_text(
        f'id = "{escaped}"\nname = "E"\ncategory = "general"\n\n'
        '[[cards]]\nid = "c"\nfront = "Q"\nback = "A"\n'
    )
    before = tree(tmp_path)
    library = DeckLibrary.load(home, decks_dir)
    assert deck_id not in library.decks
    assert any("evil.toml" in str(e) and "field 'id'" in str(e) for e in library.errors)
    after = tree(tmp_path)
    changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    # only the derived deck index of the valid bundled decks, inside the data folder
    assert all(k.startswith("home/cache") and "evil" not in k for k in changed), sorted(changed)


@pytest.mark.parametrize("name", ["../x", "..", "a/b", "a\\b", ".x", "-x", "x" * 65, "é"])
def test_user_names_that_could_escape_write_nothing(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = tree(tmp_path)
    assert main(["drill", f"--user={name}"]) == 2
    assert "invalid user name" in capsys.readouterr().err
    assert tree(tmp_path) == before


def test_records_are_fsynced_and_derived_files_are_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_store: Make, clock: FakeClock
) -> None:
    """A grade and a checkpoint reach the disk (fsync); caches and the lock's info are written
    atomically but not fsynced: they are checked when read, and an fsync can stall start-up."""
    from flashprep.core import fileio

    synced: list[int] = []
    real = os.fsync

    def counting(fd: int) -> None:
        synced.append(fd)
        real(fd)

    monkeypatch.setattr(os, "fsync", counting)
    fileio.atomic_write(tmp_path / "cache.json", b"{}", durable=False)
    assert synced == [] and (tmp_path / "cache.json").read_bytes() == b"{}"
    fileio.atomic_write(tmp_path / "record.toml", b"x = 1\n")
    assert len(synced) == 2  # the file, then its folder
    store = make_store()
    store.grade("alpha/a1", 3)
    store.checkpoint()
    home = store.home
    synced.clear()
    lock = UserLock(store.folder)
    lock.acquire()
    try:
        UserStore(home, store.user, clock, lock)  # start-up: reads caches, writes the lock info
        assert synced == []
        UserStore(home, store.user, clock, lock).grade("alpha/a2", 3)
        assert len(synced) == 1  # the log append
    finally:
        lock.release()
