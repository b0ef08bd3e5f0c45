"""Names, paths and permissions: nothing outside the data folder, user files owner-only."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from flashprep.cli import main
from flashprep.core.decks.deck import Card
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.files.lock import UserLock
from flashprep.core.paths import Home
from flashprep.core.storage.logtail import partial_path
from flashprep.core.storage.userstore import UserStore

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
    from flashprep.core.files import fileio

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


# --- temporary files a kill left behind (D9) -----------------------------------------------------

LEFT_BY_A_KILL = [  # (folder under the user's, name) of atomic_write's temporary files
    ("", ".state.toml.k2j4_x9.tmp"),
    ("", ".profile.toml.a1.tmp"),
    ("reviews", ".2026-11.toml.0abcdZ.tmp"),
    ("cache", ".state.bin.q_q.tmp"),
    ("cache/history", ".2026-10.bin.x1y2.tmp"),
    ("cache/history", ".tail.json.zzz.tmp"),
    ("mock", ".2026-11-26T150211Z.toml.r4nd0m.tmp"),
]
NOT_OURS = [  # names that must survive: not flashprep's pattern, or not a regular file
    ("", "notes.tmp"),
    ("reviews", "2026-11.toml.tmp"),
    ("reviews", ".hidden"),
    ("cache", ".state.bin.tmp.bak"),
    ("mock", ".x.tmp"),
]


def test_a_writer_start_removes_temporary_files_from_every_user_folder(
    home: Home, clock: FakeClock, make_store: Callable[..., UserStore], tmp_path: Path
) -> None:
    store = make_store()
    store.grade("alpha/a1", 3)
    folder = store.folder
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    for sub, name in LEFT_BY_A_KILL + NOT_OURS:
        (folder / sub).mkdir(parents=True, exist_ok=True)
        (folder / sub / name).write_bytes(b"partial")
    (folder / "reviews" / ".link.toml.abc.tmp").symlink_to(victim)  # a symlink: left alone
    (folder / "cache" / ".dir.toml.abc.tmp").mkdir()  # a folder: left alone
    make_store()  # a reader removes nothing
    assert all((folder / sub / name).exists() for sub, name in LEFT_BY_A_KILL)
    with UserLock(folder) as lock:
        UserStore(home, "tester", clock, lock=lock)
    for sub, name in LEFT_BY_A_KILL:
        assert not (folder / sub / name).exists(), name
    for sub, name in NOT_OURS:
        assert (folder / sub / name).read_bytes() == b"partial", name
    assert (folder / "reviews" / ".link.toml.abc.tmp").is_symlink()
    assert (folder / "cache" / ".dir.toml.abc.tmp").is_dir()
    assert victim.read_text() == "keep me"


def test_the_decks_folders_are_tidied_when_the_decks_are_written(
    home: Home, library: DeckLibrary
) -> None:
    from flashprep.core.importers.apply import import_files

    old = 10_000.0
    stale = [home.decks / ".python.toml.r4nd.tmp", home.decks / "..lock.info.abc_12.tmp"]
    cached_old = home.cache / "decks" / ".imported-x.toml.jsonl.k1.tmp"
    cached_young = home.cache / "decks" / ".imported-y.toml.jsonl.k2.tmp"  # maybe in flight
    others = [home.decks / "python.toml.tmp", home.decks / ".python.toml"]
    for path in [*stale, cached_old, cached_young, *others]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"partial")
    os.utime(cached_old, (old, old))
    import_files([Path(__file__).parents[2] / "data" / "anki" / "small-modern.apkg"], library, None)
    assert not any(p.exists() for p in [*stale, cached_old])
    assert cached_young.exists() and all(p.read_bytes() == b"partial" for p in others)


def _killed_export(target: Path, deck: str = "python") -> None:
    """Run `flashprep export -o target` in a process that dies just before the rename."""
    code = (
        "import os, sys\n"
        "import flashprep.core.files.fileio as f\n"
        "real = os.replace\n"
        f"f.os.replace = lambda a, b: os._exit(9) if str(b) == {str(target)!r} else real(a, b)\n"
        "from flashprep.cli import main\n"
        f"main(['export', {deck!r}, '-o', {str(target)!r}, '--format', 'csv'])\n"
    )
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", code], check=False)
    assert result.returncode == 9


def test_a_killed_export_leaves_its_temporary_file_to_the_next_start_only(
    tmp_path: Path, home: Home, library: DeckLibrary, clock: FakeClock
) -> None:
    from flashprep.core.storage.userstore import UserStore

    out = tmp_path / "out"
    out.mkdir()
    target = out / "python.csv"
    theirs = out / ".other.csv.abc123.tmp"  # flashprep's pattern, but not flashprep's file
    theirs.write_bytes(b"another program's")
    _killed_export(target)
    _killed_export(target)
    left = sorted(p for p in out.iterdir() if p.name.startswith(".python.csv."))
    assert len(left) == 2 and not target.exists()
    with UserLock(home.user_dir("tester")) as lock:
        UserStore(home, "tester", clock, lock=lock)
    assert all(p.exists() for p in left)  # too young: might be an export in flight
    os.utime(left[0], (1000, 1000))
    with UserLock(home.user_dir("tester")) as lock:
        UserStore(home, "tester", clock, lock=lock)
    assert not left[0].exists() and left[1].exists()
    os.utime(left[1], (1000, 1000))
    os.utime(theirs, (1000, 1000))
    assert main(["export", "python", "-o", str(target), "--format", "csv"]) == 0  # tidies too
    assert not left[1].exists() and target.exists()
    assert theirs.read_bytes() == b"another program's"
    pending = home.user_dir("tester") / "cache" / "pending"
    assert not list(pending.iterdir())


def test_a_pending_record_never_deletes_what_is_not_a_temporary_file(tmp_path: Path) -> None:
    from flashprep.core.files.fileio import PendingTemps

    pending = PendingTemps(tmp_path / "pending", min_age=0)
    kept = [tmp_path / "report.csv", tmp_path / ".report.csv", tmp_path / "dir.x.ab.tmp"]
    kept[0].write_text("mine")
    kept[1].write_text("mine")
    kept[2].mkdir()
    link = tmp_path / ".l.csv.ab.tmp"
    link.symlink_to(kept[0])
    (tmp_path / "pending").mkdir()
    for i, path in enumerate([*kept, link, tmp_path / "missing.x.tmp"]):
        (tmp_path / "pending" / f"{i}.pending").write_text(str(path))
    assert pending.tidy() == []
    assert kept[0].read_text() == kept[1].read_text() == "mine" and kept[2].is_dir()
    assert link.is_symlink() and not list((tmp_path / "pending").iterdir())


# --- file modes: private user data, shared files follow the umask --------------------------------


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o000, 0o077])
def test_shared_files_follow_the_umask_and_user_files_stay_private(
    tmp_path: Path, home: Home, clock: FakeClock, decks_dir: Path, umask: int
) -> None:
    from flashprep.core.importers.apply import import_files

    old = os.umask(umask)
    try:
        library = DeckLibrary.load(home, decks_dir)
        full_session(home, clock, library)
        with UserLock(home.user_dir("tester")) as lock:
            store = UserStore(home, "tester", clock, lock=lock)
            apkg = Path(__file__).parents[2] / "data" / "anki" / "small-modern.apkg"
            import_files([apkg], library, store)
        out = tmp_path / "export.csv"
        assert main(["export", "python", "-o", str(out), "--format", "csv"]) == 0
    finally:
        os.umask(old)
    shared = [out, *home.decks.rglob("*.toml"), *(home.cache / "decks").glob("*")]
    assert len(shared) >= 3
    for path in shared:
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask, path
    for path in (home.root / "users").rglob("*"):
        mode = stat.S_IMODE(path.lstat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), f"{path}: {oct(mode)}"
