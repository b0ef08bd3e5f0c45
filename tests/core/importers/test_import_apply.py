"""Applying an import: deck files, updates in place, ids, dry runs, locks, and review history."""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from ankibuild import Sample, build_sample
from flashprep.core.decks.deck import load_deck
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.files.lock import LockedError
from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.importers.apply import ImportRefused, import_files
from flashprep.core.paths import Home
from flashprep.core.storage.logread import log_files, read_all, read_log_file
from flashprep.core.storage.profile import Profile, save_profile
from flashprep.core.storage.replay import Schedule, apply_entry
from flashprep.core.storage.reviewlog import LogEntry
from flashprep.core.storage.userstore import UserStore

from helpers import FakeClock, held_elsewhere

DATA = Path(__file__).parents[2] / "data" / "anki"
MODERN = DATA / "small-modern.apkg"
Make = Callable[..., UserStore]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Sample, dict[str, Path]]:
    return build_sample(tmp_path_factory.mktemp("anki"))


def deck_files(home: Home) -> dict[str, bytes]:
    if not home.decks.is_dir():
        return {}
    return {p.name: p.read_bytes() for p in sorted(home.decks.glob("*.toml"))}


def replay_everything(store: UserStore) -> Schedule:
    replayed = Schedule()
    for entry in read_all(store.log_dir):
        apply_entry(store.scheduler, replayed, entry, store.rollover, store.tz)
    return replayed


def test_import_writes_deck_files_listed_as_imported(
    home: Home, library: DeckLibrary, decks_dir: Path
) -> None:
    summary = import_files([MODERN], library, None)
    assert [(d.id, d.created, d.added) for d in summary.decks] == [
        ("interview-behavioral", True, 4),
        ("interview-technical", True, 4),
    ]
    assert summary.added == 8
    reloaded = DeckLibrary.load(home, decks_dir)
    imported = {d.id: d for d in reloaded if d.source == "imported"}
    assert set(imported) == {"interview-behavioral", "interview-technical"}
    assert imported["interview-behavioral"].deck.name == "Interview::Behavioral"
    assert imported["interview-behavioral"].deck.category == "behavioral"
    assert reloaded.errors == []


def test_a_second_import_changes_nothing(home: Home, library: DeckLibrary) -> None:
    import_files([MODERN], library, None)
    before = deck_files(home)
    again = import_files(
        [MODERN, DATA / "small-legacy.apkg", DATA / "notes-export.txt"], library, None
    )
    assert (again.added, again.updated, again.unchanged) == (0, 0, 8)
    assert all(not d.created for d in again.decks)
    assert deck_files(home) == before


def edited_package(tmp_path: Path) -> Path:
    """small-legacy.apkg with one answer changed, as after editing the note in Anki."""
    work = tmp_path / "c.db"
    with zipfile.ZipFile(DATA / "small-legacy.apkg") as archive:
        work.write_bytes(archive.read("collection.anki21"))
    conn = sqlite3.connect(work)
    with conn:
        conn.execute(
            "UPDATE notes SET flds = 'What does the CAP theorem state?' || char(31) || "
            "'Consistency, availability, partition tolerance: pick two under a partition.' "
            "WHERE flds LIKE 'What does the CAP%'"
        )
    conn.close()
    target = tmp_path / "edited.apkg"
    with zipfile.ZipFile(DATA / "small-legacy.apkg") as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = work.read_bytes() if info.filename == "collection.anki21" else old.read(info)
            new.writestr(info.filename, data)
    return target


def test_reimport_updates_in_place_and_keeps_the_schedule(
    tmp_path: Path, home: Home, library: DeckLibrary, store: UserStore
) -> None:
    import_files([MODERN], library, store)
    deck = load_deck(home.decks / "interview-technical.toml")
    cap = next(c for c in deck.cards if c.front == "What does the CAP theorem state?")
    key = f"interview-technical/{cap.id}"
    store.grade(key, 3)
    schedule = store.state(key)
    summary = import_files([edited_package(tmp_path)], library, store)
    assert (summary.added, summary.updated, summary.unchanged) == (0, 1, 7)
    after = load_deck(home.decks / "interview-technical.toml")
    assert [c.id for c in after.cards] == [c.id for c in deck.cards]
    assert after.card(cap.id) is not None
    assert after.card(cap.id).back.startswith("Consistency, availability")  # type: ignore[union-attr]
    assert store.state(key) == schedule
    assert UserStore(home, "tester", store.clock).state(key) == schedule


def test_fields_no_import_sets_survive_a_reimport(home: Home, library: DeckLibrary) -> None:
    import_files([MODERN], library, None)
    path = home.decks / "interview-technical.toml"
    text = path.read_text()
    path.write_text(
        text.replace(
            'front = "What does the CAP', 'level = "senior"\nfront = "What does the CAP', 1
        )
    )
    summary = import_files([MODERN], library, None)
    assert summary.unchanged == 8
    cards = load_deck(path).cards
    assert [c.level for c in cards].count("senior") == 1


def test_an_id_used_by_a_bundled_deck_gets_another(tmp_path: Path, library: DeckLibrary) -> None:
    source = tmp_path / "alpha.md"
    source.write_text("## Question?\nAnswer.\n")
    summary = import_files([source], library, None)
    assert [(d.id, d.renamed_from) for d in summary.decks] == [("alpha-imported", "alpha")]
    assert any("'alpha' is a bundled deck" in line for line in summary.lines())
    assert (library.home.decks / "alpha-imported.toml").is_file()


def test_deck_option_puts_every_card_into_one_deck(home: Home, library: DeckLibrary) -> None:
    summary = import_files([MODERN], library, None, deck="mine")
    assert [(d.id, d.added) for d in summary.decks] == [("mine", 8)]
    assert len(load_deck(home.decks / "mine.toml").cards) == 8


@pytest.mark.parametrize(
    ("deck", "message"), [("alpha", "is a bundled deck"), ("Not An Id", "is not a deck id")]
)
def test_deck_option_refuses(home: Home, library: DeckLibrary, deck: str, message: str) -> None:
    with pytest.raises(ImportRefused, match=message):
        import_files([MODERN], library, None, deck=deck)
    assert deck_files(home) == {}


def test_a_deck_file_we_cannot_parse_is_never_overwritten(home: Home, library: DeckLibrary) -> None:
    home.decks.mkdir(parents=True)
    broken = home.decks / "interview-technical.toml"
    broken.write_text("id = 'interview-technical'\nname = [unclosed\n")
    with pytest.raises(ImportRefused, match="fix or remove this deck file first"):
        import_files([MODERN], library, None)
    assert broken.read_text() == "id = 'interview-technical'\nname = [unclosed\n"
    assert deck_files(home) == {"interview-technical.toml": broken.read_bytes()}


def test_dry_run_reports_the_same_and_writes_nothing(
    home: Home, library: DeckLibrary, store: UserStore, built: tuple[Sample, dict[str, Path]]
) -> None:
    _, paths = built
    dry = import_files([paths["anki21b"]], library, store, dry_run=True)
    assert deck_files(home) == {}
    assert not store.log_dir.exists()
    real = import_files([paths["anki21b"]], library, store)
    assert dry.lines()[1:] == real.lines()[1:]
    assert dry.lines()[0] == "Dry run: nothing was written."
    assert dry.reviews_added == real.reviews_added == 8


def test_one_bad_file_stops_the_whole_import(
    tmp_path: Path, home: Home, library: DeckLibrary
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"front,back\n\xff\xfe,oops\n")
    with pytest.raises(DataFileError, match="line 2: not valid UTF-8"):
        import_files([MODERN, bad], library, None)
    assert deck_files(home) == {}


def test_the_decks_folder_is_locked_during_an_import(
    home: Home, library: DeckLibrary, monkeypatch: pytest.MonkeyPatch
) -> None:

    import flashprep.core.importers.apply as apply_module

    monkeypatch.setattr(apply_module, "DECKS_WAIT_SECONDS", 0.2)
    home.decks.mkdir(parents=True)
    with (
        held_elsewhere(home.decks, ".lock") as proc,
        pytest.raises(LockedError, match=f"in use by pid {proc.pid}"),
    ):
        import_files([MODERN], library, None)
    assert deck_files(home) == {}


# --- review history ---------------------------------------------------------------------------


def test_history_is_replayed_into_the_schedule(
    home: Home, library: DeckLibrary, store: UserStore, built: tuple[Sample, dict[str, Path]]
) -> None:
    _, paths = built
    summary = import_files([paths["anki21b"]], library, store)
    assert (summary.reviews_added, summary.reviews_known) == (8, 0)
    entries = list(read_all(store.log_dir))
    assert {e.mode for e in entries} == {"import"}
    assert [p.name for p in log_files(store.log_dir)] == ["2026-03.toml", "2026-04.toml"]
    deck = load_deck(home.decks / "interview-behavioral.toml")
    key = f"interview-behavioral/{deck.cards[0].id}"
    state = store.state(key)
    assert state.reps == 3  # the reset forgot the first three grades
    assert state.last_review == datetime(2026, 3, 8, 9, 0, tzinfo=UTC)
    assert state.state in ("review", "learning")
    assert store.data.states == replay_everything(store).states
    suspended = [k for k, s in store.states.items() if s.suspended]
    assert len(suspended) == 1 and suspended[0].startswith("interview-technical/")
    assert store.data.total == 6


def test_a_second_import_adds_no_reviews(
    library: DeckLibrary, store: UserStore, built: tuple[Sample, dict[str, Path]]
) -> None:
    _, paths = built
    import_files([paths["anki21b"]], library, store)
    before = {p.name: p.read_bytes() for p in log_files(store.log_dir)}
    again = import_files([paths["anki2"]], library, store)
    assert (again.reviews_added, again.reviews_known) == (0, 8)
    assert {p.name: p.read_bytes() for p in log_files(store.log_dir)} == before


def test_no_history_writes_no_reviews(
    library: DeckLibrary, store: UserStore, built: tuple[Sample, dict[str, Path]]
) -> None:
    _, paths = built
    summary = import_files([paths["anki21b"]], library, store, history=False)
    assert summary.reviews_added == 0
    assert "Reviews: not imported (--no-history)" in summary.lines()
    assert not store.log_dir.exists()


def test_older_history_goes_into_its_month_in_time_order(
    make_store: Make,
    clock: FakeClock,
    home: Home,
    library: DeckLibrary,
    built: tuple[Sample, dict[str, Path]],
) -> None:
    _, paths = built
    clock.now = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
    store = make_store()
    mine = store.grade("alpha/a1", 3)
    store.checkpoint()
    clock.now = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
    import_files([paths["anki21b"]], library, store)
    march = read_log_file(store.log_dir / "2026-03.toml")
    assert [e.at for e in march] == sorted(e.at for e in march)
    assert mine in march
    assert len(march) == 8
    reopened = UserStore(home, "tester", clock)
    assert reopened.notes == []  # the rebuilt checkpoint matches the log
    assert reopened.data.states == store.data.states == replay_everything(store).states
    assert reopened.state("alpha/a1").reps == 1


def _user_with_history(root: Path, decks_dir: Path, clock: FakeClock) -> tuple[Home, UserStore]:
    """A user with a grade in March 2026 (a month the sample's history goes into) and one in
    November, and a deck the sample updates."""
    home = Home(root)
    save_profile(home.user_dir("tester") / "profile.toml", Profile(seed=7))
    clock.now = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
    store = UserStore(home, "tester", clock)
    store.grade("alpha/a1", 3)
    clock.now = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
    store.grade("alpha/a2", 2)
    store.checkpoint()
    return home, store


def _files(home: Home) -> dict[str, bytes]:
    """Every file of the data folder but the derived and the lock's (what an import may change)."""
    out = {}
    for path in sorted(home.root.rglob("*")):
        rel = path.relative_to(home.root).as_posix()
        if path.is_file() and "cache/" not in rel and not rel.endswith(("lock", "lock.info")):
            out[rel] = path.read_bytes()
    return out


@pytest.mark.parametrize("failing", ["write", "fsync", "replace"])
def test_an_import_on_a_full_disk_changes_nothing_and_names_the_file(
    tmp_path: Path,
    decks_dir: Path,
    clock: FakeClock,
    built: tuple[Sample, dict[str, Path]],
    monkeypatch: pytest.MonkeyPatch,
    failing: str,
) -> None:
    """The disk fills at each write of an import of decks and history in turn: either the
    import stops with an error naming a file and every file is as before, or (a failure that
    does not matter, such as a folder's fsync) it completes."""
    import flashprep.core.files.fileio as fileio

    _, paths = built
    real = getattr(os, failing)
    calls = {"n": 0, "fail": 0}

    def disk(*args: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == calls["fail"]:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(*args)

    def attempt(n: int) -> tuple[Home, UserStore, dict[str, bytes], OSError | None]:
        home, store = _user_with_history(tmp_path / f"home{n}", decks_dir, clock)
        import_files([MODERN], DeckLibrary.load(home, decks_dir), store, history=False)
        before = _files(home)
        calls.update(n=0, fail=n)
        with monkeypatch.context() as patch:
            patch.setattr(fileio.os, failing, disk)
            try:
                import_files([paths["anki21b"]], DeckLibrary.load(home, decks_dir), store)
            except OSError as exc:
                return home, store, before, exc
        return home, store, before, None

    _, done, _, none = attempt(0)  # count the calls of an import that succeeds
    assert none is None
    total, graded = calls["n"], done.data.total
    failed = 0
    for n in range(1, total + 1):
        home, store, before, error = attempt(n)
        after = _files(home)
        if error is None:
            assert store.data.total == graded and after != before
            continue
        failed += 1
        assert error.filename and Path(error.filename).is_relative_to(home.root), error
        if failing == "replace":  # the checkpoint is dropped just before the renames
            before.pop("users/tester/state.toml")
            after.pop("users/tester/state.toml", None)
        assert after == before, (n, error.filename)
        assert not [p for p in home.root.rglob(".*.tmp")]  # no temporary file left
        reopened = UserStore(home, "tester", clock)
        assert reopened.data.total == 2 and reopened.states == store.states
        retried = import_files([paths["anki21b"]], DeckLibrary.load(home, decks_dir), reopened)
        assert retried.reviews_added == 8
    assert failed >= 2


def test_the_cli_names_the_file_when_the_disk_is_full(
    built: tuple[Sample, dict[str, Path]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import flashprep.core.files.fileio as fileio
    from flashprep.cli import main

    _, paths = built

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(fileio.os, "fsync", full)
    assert main(["import", str(paths["anki21b"])]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("flashprep: error: ") and err.endswith(": No space left on device")
    assert ".toml" in err and "\n" not in err
    assert not list(Path(os.environ["FLASHPREP_HOME"]).rglob("*.toml"))


@pytest.mark.parametrize(
    "mine",
    [
        [(10, 4), (5, 1)],  # Easy on the 10th, then the clock went back: Again on the 5th
        [(20, 1), (2, 4), (1, 3)],  # back twice, before every imported review
        [(3, 3), (3, 1), (3, 4)],  # the same instant three times
        [(28, 2), (29, 4), (6, 1), (30, 3)],  # back, then forward again
    ],
)
def test_a_history_import_never_reorders_the_users_own_entries(
    make_store: Make,
    clock: FakeClock,
    home: Home,
    library: DeckLibrary,
    built: tuple[Sample, dict[str, Path]],
    mine: list[tuple[int, int]],
) -> None:
    _, paths = built
    store = make_store()
    for day, rating in mine:
        clock.now = datetime(2026, 3, day, 12, 0, tzinfo=UTC)
        store.grade("alpha/a1", rating)
        store.grade("beta/b1", 5 - rating)
    own = [e for e in read_log_file(store.log_dir / "2026-03.toml")]
    states = {k: store.state(k) for k in ("alpha/a1", "beta/b1")}
    summary = import_files([paths["anki21b"]], library, store)
    assert summary.reviews_added == 8
    march = read_log_file(store.log_dir / "2026-03.toml")
    assert [e for e in march if e.mode != "import"] == own  # the log's order is the truth
    imported = [e for e in march if e.mode == "import"]
    assert [e.at for e in imported] == sorted(e.at for e in imported)
    reopened = UserStore(home, "tester", clock)
    for key, state in states.items():  # the cards not imported keep their schedule
        assert store.state(key) == reopened.state(key) == state
    assert reopened.data.states == store.data.states == replay_everything(store).states


def test_history_dry_run_counts_without_writing(
    library: DeckLibrary, store: UserStore, built: tuple[Sample, dict[str, Path]]
) -> None:
    _, paths = built
    summary = import_files([paths["anki21b"]], library, store, dry_run=True)
    assert summary.reviews_added == 8
    assert not store.log_dir.exists()


def test_fixture_copy_is_untouched(tmp_path: Path, library: DeckLibrary) -> None:
    copy = tmp_path / "copy.apkg"
    shutil.copy(MODERN, copy)
    before = copy.read_bytes()
    import_files([copy], library, None)
    assert copy.read_bytes() == before


def test_a_long_imported_history_replays_to_the_same_schedule(store: UserStore) -> None:
    """Import replays in one batch (core.scheduler.batch); a replay entry by entry agrees."""
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    entries = [
        LogEntry(
            f"anki-{i}",
            start + timedelta(days=(i // 20) * 3, minutes=i % 20),
            f"imported/c{i % 20}",
            (1, 2, 3, 3, 4)[i * 7 % 5],
            mode="import",
        )
        for i in range(400)
    ]
    entries[50] = entries[50]._replace(rating=None, action="forget")
    entries[90] = entries[90]._replace(rating=None, action="suspend")
    assert store.import_entries(entries) == 400
    assert max(s.reps for s in store.states.values()) > 10  # long enough for fuzzed intervals
    assert store.data.states == replay_everything(store).states
    assert UserStore(store.home, store.user).data.states == store.data.states


def test_imported_deck_files_are_what_tomli_w_writes(
    home: Home, library: DeckLibrary, built: tuple[Sample, dict[str, Path]]
) -> None:
    _, paths = built
    import_files([paths["anki21b"]], library, None)
    for path in home.decks.glob("*.toml"):
        data = load_deck(path).model_dump(exclude_none=True)
        assert path.read_bytes() == tomli_w.dumps(data, multiline_strings=True).encode()


def test_an_imported_deck_is_indexed_as_a_parse_of_its_file_would_be(
    tmp_path: Path, home: Home, library: DeckLibrary, decks_dir: Path
) -> None:
    """The import caches each deck's index as it writes the file, so the next start reads the
    cache; it holds exactly what parsing the written TOML gives (tricky text included)."""
    tricky = [
        'quote " and \\\\ backslash',
        "line one\r\nline two\nthree",
        "a lone\rcarriage return",
        "tab\there and unicode é ✓ 𝄞",
        "\"\"\"triple\"\"\" and '''single'''",
    ]
    rows = "\n".join(
        f'"{t.replace(chr(34), chr(34) * 2)}","answer {i}"' for i, t in enumerate(tricky)
    )
    source = tmp_path / "tricky.csv"
    source.write_text("#separator:Comma\n#columns:Front,Back\n" + rows + "\n", newline="")
    import_files([source, MODERN], library, None)
    cached = DeckLibrary.load(home, decks_dir)
    assert cached.errors == []
    for cache in (home.cache / "decks").glob("imported-*.jsonl"):
        cache.unlink()
    parsed = DeckLibrary.load(home, decks_dir)  # no cache: from the TOML files
    imported = [d.id for d in parsed if d.source == "imported"]
    assert len(imported) == 3
    for deck_id in imported:
        a, b = cached.get(deck_id), parsed.get(deck_id)
        assert a is not None and b is not None
        assert (a.name, a.category, a.card_ids) == (b.name, b.category, b.card_ids)
        assert a.records() == b.records() and a.tagged() == b.tagged()
    fronts = [r.front for d in imported for r in parsed.get(d).records()]  # type: ignore[union-attr]
    assert any("𝄞" in f for f in fronts) and any('"""triple"""' in f for f in fronts)
    assert "line one\nline two\nthree" in fronts  # Windows line ends become LF, once
    again = import_files([source], parsed, None)
    assert [(d.added, d.updated) for d in again.decks] == [(0, 0)]  # nothing changed
