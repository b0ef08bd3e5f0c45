"""One writer per user: the lock, its holder's name, stale locks, and which commands take it."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from flashprep.cli import build_parser, main
from flashprep.core.decks.deck import Card
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.files.lock import LockedError, UserLock, decks_lock
from flashprep.core.paths import Home

from helpers import HOLD, held_elsewhere


def fingerprint(folder: Path) -> dict[str, str]:
    """Every file under `folder` with a hash of its bytes (to prove nothing was written)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_a_lock_held_by_another_process_names_it(home: Home) -> None:
    folder = home.user_dir("tester")
    with held_elsewhere(folder) as proc:
        with pytest.raises(LockedError) as info:
            UserLock(folder).acquire()
        message = str(info.value)
        assert f"pid {proc.pid}" in message and "-c" in message  # pid, host and command
        assert "read-only commands" in message


def test_a_lock_left_by_a_killed_process_is_taken_over(home: Home) -> None:
    folder = home.user_dir("tester")
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(folder), "lock"], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "holding"
    with pytest.raises(LockedError):
        UserLock(folder).acquire()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert (folder / "lock").exists() and (folder / "lock.info").exists()  # left behind
    lock = UserLock(folder)
    lock.acquire()  # taken over at once: the OS released the dead holder's lock
    assert f'"pid": {os.getpid()}' in (folder / "lock.info").read_text()
    lock.release()
    assert not (folder / "lock.info").exists()


def test_lock_is_reentrant_for_its_holder_only(home: Home) -> None:
    folder = home.user_dir("tester")
    mine, other = UserLock(folder), UserLock(folder)
    mine.acquire()
    mine.acquire()
    mine.release()
    assert mine.held
    with pytest.raises(LockedError):
        other.acquire()
    mine.release()
    other.acquire()
    other.release()


# --- which commands take the lock ---------------------------------------------------------------

WRITERS: dict[str, list[str]] = {
    "home": [],
    "drill": ["drill"],
    "mock": ["mock"],
    "import": ["import", str(Path(__file__).parents[2] / "data" / "anki" / "small-modern.apkg")],
    "plan": ["plan", "--date", (date.today() + timedelta(days=30)).isoformat()],
    "cards": ["cards", "deck:python gil", "--suspend"],  # listing it only reads
    "config": ["config", "set", "new_per_day", "30"],  # and `config unset`; listing only reads
    "optimize": ["optimize"],  # `optimize --dry-run` only reads
}
"""Commands that change a user's files: refused while another process holds the user's lock."""

READERS: dict[str, list[str]] = {
    "decks": ["decks", "--json"],
    "stats": ["stats", "--json"],
    "stories": ["stories", "--json"],
    "export": ["export", "python", "--format", "toml", "-o", "-"],
    "card": ["card", "python/gil", "--json"],
    "config": ["config", "--json"],
    "optimize": ["optimize", "--dry-run"],
}
"""Commands that only read: they work while the lock is held, and write none of the user's data
(they may refresh derived, disposable caches: the deck index in `cache/decks/`, and for `stats`
and `optimize --dry-run` the history cache in `users/<name>/cache/history/`)."""

DECK_WRITERS: dict[str, list[str]] = {
    "add": ["add", "--deck", "mine", "--front", "New?", "--back", "Yes"],
    "deck": ["deck", "new", "other", "--name", "Other", "--category", "general"],
}
"""Commands that write only the shared decks: they take the decks lock, not the user's (they
work while a drill holds it), and write none of the user's data."""


def user_data(fingerprint: dict[str, str]) -> dict[str, str]:
    """A fingerprint without the derived caches (rebuilt from the data whenever stale)."""
    return {k: v for k, v in fingerprint.items() if "/cache/" not in f"/{k}"}


def test_every_command_is_classified_as_writer_or_reader() -> None:
    """A new command must say here whether it writes (and so takes the user's lock)."""
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    commands = set(sub.choices)  # type: ignore[arg-type]
    assert commands | {"home"} == set(WRITERS) | set(READERS) | set(DECK_WRITERS)


@pytest.fixture
def used_user(home: Home, capsys: pytest.CaptureFixture[str]) -> Path:
    """A user with a profile, a log and a checkpoint (written through the real CLI code)."""
    from flashprep.core.storage.userstore import UserStore

    store = UserStore(home, "tester")
    store.grade("python/gil", 3)
    store.checkpoint()
    return store.folder


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_writers_are_refused_while_another_process_holds_the_user(
    name: str, used_user: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with held_elsewhere(used_user) as proc:
        before = fingerprint(used_user)
        code = main(WRITERS[name])
        assert fingerprint(used_user) == before
    err = capsys.readouterr().err
    assert code == 2
    assert f"in use by pid {proc.pid}" in err and err.count("\n") == 1


@pytest.mark.parametrize("name", sorted(READERS))
def test_readers_work_while_the_user_is_locked_and_write_nothing(
    name: str, used_user: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with held_elsewhere(used_user):
        before = fingerprint(used_user.parent.parent)
        code = main(READERS[name])
        after = fingerprint(used_user.parent.parent)
        assert user_data(after) == user_data(before)
        changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
        # derived caches only: the deck index (any reader), the history cache (stats, optimize)
        history = ("users/tester/cache/history/",) if name in ("stats", "optimize") else ()
        allowed = ("cache/decks/", *history)
        assert all(k.startswith(allowed) for k in changed), sorted(changed)
    assert code == 0, capsys.readouterr().err


@pytest.mark.parametrize("name", sorted(DECK_WRITERS))
def test_deck_writers_work_while_the_user_is_locked_and_write_only_decks(
    name: str, home: Home, used_user: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from flashprep.core.decks.owndecks import new_deck

    new_deck(DeckLibrary.load(home), "mine", "Mine", "general")
    with held_elsewhere(used_user):
        before = fingerprint(home.root)
        code = main(DECK_WRITERS[name])
        after = fingerprint(home.root)
    assert code == 0, capsys.readouterr().err
    changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    assert changed and all(k.startswith(("decks/", "cache/decks/")) for k in changed), changed


@pytest.mark.parametrize("name", sorted(DECK_WRITERS))
def test_deck_writers_are_refused_while_another_process_holds_the_decks(
    name: str, home: Home, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import flashprep.core.decks.library as library_module
    from flashprep.core.decks.owndecks import new_deck

    monkeypatch.setattr(library_module, "DECKS_WAIT_SECONDS", 0.2)
    new_deck(DeckLibrary.load(home), "mine", "Mine", "general")
    with held_elsewhere(home.decks, ".lock") as proc:
        before = fingerprint(home.decks)
        code = main(DECK_WRITERS[name])
        assert fingerprint(home.decks) == before
    err = capsys.readouterr().err
    assert code == 2
    assert f"the shared decks is in use by pid {proc.pid}" in err and err.count("\n") == 1


# --- the shared decks ----------------------------------------------------------------------------


def test_card_edit_waits_for_the_decks_lock_then_names_the_holder(
    home: Home, library: DeckLibrary, monkeypatch: pytest.MonkeyPatch
) -> None:
    import flashprep.core.decks.library as library_module

    monkeypatch.setattr(library_module, "DECKS_WAIT_SECONDS", 0.2)
    card = library.card("alpha/a1")
    assert card is not None
    edited = Card.model_validate({**card.model_dump(), "front": "Edited"})
    home.decks.mkdir(parents=True)
    with (
        held_elsewhere(home.decks, ".lock") as proc,
        pytest.raises(LockedError, match=f"the shared decks is in use by pid {proc.pid}"),
    ):
        library.save_card("alpha", edited)
    assert not (home.overrides / "alpha.toml").exists()
    library.save_card("alpha", edited)  # the holder is gone: saved
    assert library.card("alpha/a1").front == "Edited"  # type: ignore[union-attr]


def test_a_holder_of_the_decks_lock_can_save_cards(home: Home, library: DeckLibrary) -> None:
    """An import holds the decks lock for its whole run and saves decks meanwhile."""
    card = library.card("beta/b1")
    assert card is not None
    lock = decks_lock(home)
    with lock:
        library.save_card("beta", Card.model_validate({**card.model_dump(), "back": "New"}))
        assert lock.held
    assert not lock.held
    assert library.card("beta/b1").back == "New"  # type: ignore[union-attr]


def test_saving_a_card_removes_temporary_files_left_by_a_crash(
    home: Home, library: DeckLibrary
) -> None:
    home.overrides.mkdir(parents=True)
    stale = home.overrides / ".alpha.toml.x1y2z3.tmp"
    stale.write_text("half a deck")
    card = library.card("alpha/a2")
    assert card is not None
    library.save_card("alpha", Card.model_validate({**card.model_dump(), "hint": "Think"}))
    assert not stale.exists()
    assert library.card("alpha/a2").hint == "Think"  # type: ignore[union-attr]
