"""Through Anki and back: a user's history exported, reviewed further in Anki with its own
scheduler, exported from Anki and imported again. Every review made on either side ends in the
log exactly once; edits made in Anki reach the card; another user's package is refused."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from anki.collection import (
    Collection,
    DeckIdLimit,
    ExportAnkiPackageOptions,
    ImportAnkiPackageOptions,
    ImportAnkiPackageRequest,
)

from flashprep.cli import main
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.paths import Home
from flashprep.core.scheduling.scheduler import Rating
from flashprep.core.storage.logread import log_files, read_log
from flashprep.core.storage.reviewlog import LogEntry
from flashprep.core.storage.userstore import UserStore

from helpers import FakeClock

DECK = "python"
CARDS = ("is-vs-equals", "gil", "generators")


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def home() -> Home:
    return Home(Path(os.environ["FLASHPREP_HOME"]))


def grades(home: Home, user: str = "tester") -> list[LogEntry]:
    folder = home.user(user).reviews
    return [e for p in log_files(folder) for e in read_log(p)[0] if e.action == "grade"]


@pytest.fixture
def studied(home: Home) -> list[LogEntry]:
    """A few days of flashprep reviews of three python cards, ending an hour ago."""
    library = DeckLibrary.load(home)
    keys = [f"{DECK}/{c}" for c in CARDS]
    assert all(library.text(k) is not None for k in keys)
    clock = FakeClock(datetime.now(UTC) - timedelta(days=6))
    store = UserStore(home, "tester", clock)
    for key in keys:
        store.grade(key, Rating.GOOD, ms=3000)
        clock.advance(minutes=10)
        store.grade(key, Rating.GOOD, ms=2000)
    clock.advance(days=3)
    store.grade(keys[0], Rating.HARD, ms=8000)
    store.grade(keys[1], Rating.AGAIN, ms=9000)
    store.checkpoint()
    return grades(home)


@pytest.fixture
def anki(tmp_path: Path) -> Iterator[Collection]:
    (tmp_path / "anki").mkdir()
    col = Collection(os.fspath(tmp_path / "anki" / "collection.anki2"))
    col.set_config("fsrs", True)
    yield col
    col.close()


def into_anki(col: Collection, package: Path) -> None:
    request = ImportAnkiPackageRequest(
        package_path=os.fspath(package), options=ImportAnkiPackageOptions(with_scheduling=True)
    )
    col.import_anki_package(request)


def from_anki(col: Collection, out: Path) -> Path:
    options = ExportAnkiPackageOptions(
        with_scheduling=True, with_deck_configs=False, with_media=False, legacy=False
    )
    limit = DeckIdLimit(col.decks.id_for_name("Python") or 0)
    col.export_anki_package(out_path=os.fspath(out), options=options, limit=limit)
    return out


def answer_in_anki(col: Collection, count: int) -> int:
    """Answer up to `count` cards with Anki's own scheduler; how many were answered."""
    col.decks.select(col.decks.id_for_name("Python") or 0)
    answered = 0
    for ease in (3, 1, 3, 4, 2)[:count]:
        card = col.sched.getCard()
        if card is None:
            break
        card.start_timer()
        col.sched.answerCard(card, ease)  # type: ignore[arg-type]
        answered += 1
    return answered


def test_every_review_of_either_side_is_in_the_log_once(
    capsys: pytest.CaptureFixture[str],
    home: Home,
    studied: list[LogEntry],
    anki: Collection,
    tmp_path: Path,
) -> None:
    package = tmp_path / "out.apkg"
    assert run_cli(capsys, "export", DECK, "-o", str(package), "--with-history")[0] == 0
    into_anki(anki, package)
    assert anki.db.scalar("SELECT count() FROM revlog") == len(studied)
    made_in_anki = answer_in_anki(anki, 5)
    assert made_in_anki >= 3  # new cards at least: Anki shows them today
    back = from_anki(anki, tmp_path / "back.apkg")

    code, out, err = run_cli(capsys, "import", str(back), "--dry-run")
    assert (code, err) == (0, "")
    assert f"Reviews: {made_in_anki} imported ({len(studied)} already there)" in out
    assert grades(home) == studied  # a dry run writes nothing

    code, out, _ = run_cli(capsys, "import", str(back))
    assert code == 0
    assert f"Reviews: {made_in_anki} imported ({len(studied)} already there)" in out
    assert "0 added, 0 updated" in out  # the cards came back as they went
    log = grades(home)
    assert len(log) == len(studied) + made_in_anki
    assert set(studied) <= set(log)
    moments = Counter((e.card, int(e.at.timestamp() * 1000) // 1000) for e in log)
    assert max(moments.values()) == 1  # no review twice
    stats = json.loads(run_cli(capsys, "stats", "--json")[1])
    assert stats["reviews_total"] == len(studied) + made_in_anki

    # Again, and the first package again: nothing more.
    for again in (back, package):
        code, out, _ = run_cli(capsys, "import", str(again))
        assert code == 0 and "Reviews: 0 imported" in out
    assert len(grades(home)) == len(studied) + made_in_anki

    # And back to Anki: it recognises every review it has (same ids), adds none.
    before = anki.db.scalar("SELECT count() FROM revlog")
    assert run_cli(capsys, "export", DECK, "-o", str(package), "--with-history")[0] == 0
    into_anki(anki, package)
    assert anki.db.scalar("SELECT count() FROM revlog") == before
    assert anki.note_count() == len(DeckLibrary.load(home).decks[DECK].card_ids)


def test_the_schedule_is_replayed_from_the_merged_history(
    capsys: pytest.CaptureFixture[str],
    home: Home,
    studied: list[LogEntry],
    anki: Collection,
    tmp_path: Path,
) -> None:
    package = tmp_path / "out.apkg"
    run_cli(capsys, "export", DECK, "-o", str(package), "--with-history")
    into_anki(anki, package)
    answer_in_anki(anki, 3)
    run_cli(capsys, "import", str(from_anki(anki, tmp_path / "back.apkg")))
    store = UserStore(home, "tester")
    reviewed = {e.card for e in grades(home)}
    assert reviewed - {e.card for e in studied}  # cards first studied in Anki
    for key in reviewed:
        assert store.state(key).reps == sum(1 for e in grades(home) if e.card == key)


def test_an_edit_made_in_anki_updates_the_bundled_card(
    capsys: pytest.CaptureFixture[str], home: Home, anki: Collection, tmp_path: Path
) -> None:
    package = tmp_path / "out.apkg"
    run_cli(capsys, "export", DECK, "-o", str(package))
    into_anki(anki, package)
    (nid,) = [n for n in anki.find_notes("") if anki.get_note(n).guid == f"flashprep:{DECK}/gil"]
    note = anki.get_note(nid)
    note["Back"] = "A <b>lock</b>: one thread runs Python bytecode at a time."
    anki.update_note(note)
    back = from_anki(anki, tmp_path / "back.apkg")
    overrides = home.overrides / f"{DECK}.toml"

    code, out, _ = run_cli(capsys, "import", str(back), "--dry-run")
    assert code == 0 and f"~ {DECK} (Python): 0 added, 1 updated" in out
    assert not overrides.exists()

    code, out, _ = run_cli(capsys, "import", str(back))
    assert code == 0 and f"~ {DECK} (Python): 0 added, 1 updated" in out
    assert f"{DECK}-imported" not in out
    card = DeckLibrary.load(home).card(f"{DECK}/gil")
    assert card is not None
    assert card.back == "A **lock**: one thread runs Python bytecode at a time."
    assert 'id = "gil"' in overrides.read_text()
    code, out, _ = run_cli(capsys, "import", str(back))
    assert "0 added, 0 updated" in out


@pytest.mark.parametrize("how", ["env", "other-env"])
def test_a_package_with_another_users_history_is_refused(
    capsys: pytest.CaptureFixture[str],
    home: Home,
    studied: list[LogEntry],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    how: str,
) -> None:
    package = tmp_path / "tester.apkg"
    run_cli(capsys, "export", DECK, "-o", str(package), "--with-history")
    monkeypatch.setenv("FLASHPREP_USER", "bob" if how == "env" else "carol")
    code, out, err = run_cli(capsys, "import", str(package))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert str(package) in err and "'tester'" in err and "--user" in err
    assert not home.user("bob").reviews.exists() and not home.user("carol").reviews.exists()
    # Named on purpose, it goes where it is told; the owner's own import needs no name.
    code, out, _ = run_cli(capsys, "import", str(package), "--user", "bob")
    assert code == 0 and f"Reviews: {len(studied)} imported" in out
    assert len(grades(home, "bob")) == len(studied)
    code, out, _ = run_cli(capsys, "import", str(package), "--no-history")
    assert code == 0
    monkeypatch.setenv("FLASHPREP_USER", "tester")
    code, out, _ = run_cli(capsys, "import", str(package))
    assert code == 0 and "Reviews: 0 imported" in out


@pytest.mark.parametrize("fmt", ["csv", "toml"])
def test_history_goes_only_into_a_package(capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    code, out, err = run_cli(capsys, "export", DECK, "--format", fmt, "--with-history")
    assert code == 2 and out == "" and "--with-history" in err and len(err.splitlines()) == 1
