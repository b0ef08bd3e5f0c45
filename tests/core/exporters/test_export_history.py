"""`export --with-history`: the user's schedule and reviews in the package as Anki keeps them, read
back with the Anki library (cards' due days, intervals and FSRS memory state; the review log)."""

from __future__ import annotations

import json
import os
import sqlite3
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from anki.collection import Collection

from flashprep.core.clock import study_day
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.exporters import export_deck
from flashprep.core.exporters.ankihistory import TODAY_INDEX, package_history
from flashprep.core.scheduling.scheduler import Rating
from flashprep.core.storage.logread import log_files, read_log
from flashprep.core.storage.reviewlog import LogEntry
from flashprep.core.storage.userstore import UserStore

from helpers import FakeClock


@pytest.fixture
def graded(library: DeckLibrary, store: UserStore, clock: FakeClock) -> UserStore:
    """a1 reviewed over weeks, a2 graded once (learning), a3 new; b1 of another deck graded."""
    for rating, days in [(3, 0), (3, 1), (4, 3), (1, 12), (3, 12.01), (3, 14)]:
        clock.now = datetime(2026, 10, 1, 9, tzinfo=UTC) + timedelta(days=days)
        store.grade("alpha/a1", Rating(rating), ms=4200)
    store.grade("beta/b1", Rating.GOOD)
    store.record("alpha/a1", "grade", Rating.AGAIN, mode="mock")  # no schedule: not exported
    clock.now += timedelta(days=5)
    store.grade("alpha/a2", Rating.HARD, ms=900)
    clock.now += timedelta(minutes=2)
    return store


def opened(package: bytes, folder: Path) -> Collection:
    path = folder / "package.apkg"
    path.write_bytes(package)
    with zipfile.ZipFile(path) as archive:
        (folder / "collection.anki2").write_bytes(archive.read("collection.anki2"))
    return Collection(os.fspath(folder / "collection.anki2"))


@pytest.fixture
def anki(graded: UserStore, library: DeckLibrary, tmp_path: Path) -> Iterator[Collection]:
    deck = library.decks["alpha"]
    history = package_history(graded, "alpha", list(deck.card_ids))
    package = export_deck(deck.deck, "apkg", graded.now(), None, history)
    (tmp_path / "anki").mkdir()
    col = opened(package, tmp_path / "anki")
    yield col
    col.close()


def card_of(col: Collection, guid_tail: str) -> int:
    (nid,) = [n for n in col.find_notes("") if col.get_note(n).guid.endswith(guid_tail)]
    (cid,) = col.card_ids_of_note(nid)
    return cid


def test_the_review_log_holds_every_grade_once(anki: Collection, graded: UserStore) -> None:
    rows = anki.db.all("SELECT id, cid, ease, ivl, lastIvl, factor, time, type FROM revlog")
    a1, a2 = card_of(anki, "/a1"), card_of(anki, "/a2")
    grades = [(e.card, e) for e in graded_entries(graded) if e.card.startswith("alpha/")]
    assert len(rows) == len(grades) == 7
    assert len({r[0] for r in rows}) == len(rows)
    by_time = sorted(rows)
    assert [r[2] for r in by_time] == [e.rating for _, e in grades]
    assert [r[1] for r in by_time] == [a1] * 6 + [a2]
    assert [r[0] for r in by_time] == [int(e.at.timestamp() * 1000) for _, e in grades]
    assert [r[6] for r in by_time] == [4200] * 6 + [900]
    # learning, learning (graduates), review, review (lapse), relearning, review; then learning
    assert [r[7] for r in by_time] == [0, 0, 1, 1, 2, 1, 0]
    assert by_time[2][3] > 0 and by_time[3][3] < 0 and by_time[5][4] > 0
    assert all(100 <= r[5] <= 1100 for r in by_time)


def graded_entries(store: UserStore) -> list[LogEntry]:
    return [
        e
        for path in log_files(store.log_dir)
        for e in read_log(path)[0]
        if e.action == "grade" and e.mode != "mock"
    ]


def test_cards_are_where_flashprep_left_them(anki: Collection, graded: UserStore) -> None:
    state = graded.state("alpha/a1")
    assert state.state == "review" and state.due is not None and state.stability is not None
    card = anki.get_card(card_of(anki, "/a1"))
    assert (card.type, card.queue) == (2, 2)
    today = graded.today()
    assert card.due == TODAY_INDEX + (study_day(state.due, 4, None) - today).days
    assert card.reps == 6 and card.lapses == 1
    assert card.memory_state is not None
    assert card.memory_state.stability == pytest.approx(state.stability, rel=1e-3)
    assert card.memory_state.difficulty == pytest.approx(state.difficulty, rel=1e-3)
    assert card.ivl == round((state.due - state.last_review).total_seconds() / 86400)
    learning = anki.get_card(card_of(anki, "/a2"))
    a2 = graded.state("alpha/a2")
    assert a2.due is not None
    assert (learning.type, learning.queue, learning.due) == (1, 1, int(a2.due.timestamp()))
    new = anki.get_card(card_of(anki, "/a3"))
    assert (new.type, new.queue) == (0, 0)


def test_anki_counts_days_from_the_collection_as_flashprep(
    anki: Collection, graded: UserStore
) -> None:
    """Anki's day number for today, in the exported collection, is TODAY_INDEX on the day of
    the export (here: plus the days between the test's clock and the real one)."""
    real = study_day(datetime.now(UTC), 4, None)
    assert anki.sched.today == TODAY_INDEX + (real - graded.today()).days


def test_the_package_names_its_user(
    library: DeckLibrary, graded: UserStore, tmp_path: Path
) -> None:
    deck = library.decks["alpha"]
    history = package_history(graded, "alpha", list(deck.card_ids))
    path = tmp_path / "p.apkg"
    path.write_bytes(export_deck(deck.deck, "apkg", graded.now(), None, history))
    with zipfile.ZipFile(path) as archive:
        (tmp_path / "c.anki2").write_bytes(archive.read("collection.anki2"))
    conn = sqlite3.connect(tmp_path / "c.anki2")
    try:
        conf = json.loads(conn.execute("SELECT conf FROM col").fetchone()[0])
    finally:
        conn.close()
    assert conf["flashprepUser"] == "tester"
    path.write_bytes(export_deck(deck.deck, "apkg", graded.now()))  # without history: no user
    with zipfile.ZipFile(path) as archive:
        (tmp_path / "c.anki2").write_bytes(archive.read("collection.anki2"))
    conn = sqlite3.connect(tmp_path / "c.anki2")
    try:
        conf = json.loads(conn.execute("SELECT conf FROM col").fetchone()[0])
    finally:
        conn.close()
    assert "flashprepUser" not in conf


def test_a_suspended_card_stays_suspended(
    library: DeckLibrary, graded: UserStore, tmp_path: Path
) -> None:
    graded.record("alpha/a1", "suspend")
    deck = library.decks["alpha"]
    history = package_history(graded, "alpha", list(deck.card_ids))
    assert history.owner == "tester"
    col = opened(export_deck(deck.deck, "apkg", graded.now(), None, history), tmp_path)
    try:
        assert col.get_card(card_of(col, "/a1")).queue == -1
    finally:
        col.close()


@pytest.mark.parametrize("offset_days", [-30, 2, 400])
def test_grades_another_computer_synced_are_exported_too(
    graded: UserStore, library: DeckLibrary, offset_days: int
) -> None:
    """A synced folder holds each computer's log: the package has the grades of all of them,
    in time order, whether the other computer's come before, among or after this one's."""
    from flashprep.core.storage.logwrite import entry_to_toml

    at = datetime(2026, 10, 1, 9, tzinfo=UTC) + timedelta(days=offset_days)
    other = [
        LogEntry(f"other{i}", at + timedelta(hours=i), key, rating, ms=1000)
        for i, (key, rating) in enumerate([("alpha/a3", 3), ("alpha/a3", 4), ("beta/b1", 1)])
    ]
    folder = graded.paths.reviews / "laptop-0a1b2c"
    folder.mkdir()
    (folder / f"{at:%Y-%m}.toml").write_bytes(b"".join(entry_to_toml(e) for e in other))
    history = package_history(graded, "alpha", list(library.decks["alpha"].card_ids))
    ids = [entry.id for _, entry, _, _ in history.grades]
    assert {"other0", "other1"} <= set(ids) and "other2" not in ids  # beta is not in the deck
    times = [entry.at for _, entry, _, _ in history.grades]
    assert times == sorted(times)
    assert history.states["a3"].reps == 2
