"""Hostile imports, class by class: history the log would refuse, endless SQL, malformed values,
scratch files outside the data folder, unbounded reads. Each through the code people use."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flashprep.cli import main
from flashprep.core.clock import INSTANT_RANGE
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.exporters import export_deck
from flashprep.core.files.staging import GRACE_SECONDS, LOCK_NAME, tidy_staging
from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.importers import ankicollection, read_source, source
from flashprep.core.importers.apply import import_files
from flashprep.core.importers.source import ImportSource, source_review
from flashprep.core.paths import Home
from flashprep.core.storage.logread import read_all
from flashprep.core.storage.logwrite import entry_to_toml
from flashprep.core.storage.reviewlog import ACTIONS, LogEntry, parse_log
from flashprep.core.storage.userstore import UserStore
from hostilecol import loosen, package

from fuzzing import budget, one_line_error

Change = Callable[[sqlite3.Connection], None]


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str) -> None:
    assert code == 2
    assert err.startswith("flashprep: error: ") and err.count("\n") == 1
    assert "Traceback" not in err and "a bug in flashprep" not in err


# --- D2: history the review log would refuse is never written ------------------------------------


def sql(statement: str) -> Change:
    return lambda conn: conn.execute(statement)


FIRST = "WHERE id = (SELECT min(id) FROM revlog)"
OUT_OF_RANGE = {
    "revlog id before 1970": sql(f"UPDATE revlog SET id = -5000 {FIRST}"),
    "revlog id 1 ms before 1970": sql(f"UPDATE revlog SET id = -1 {FIRST}"),
    "revlog id in year 9892": sql(f"UPDATE revlog SET id = 250000000000000 {FIRST}"),
    "revlog id past any date": sql(f"UPDATE revlog SET id = 9223372036854775807 {FIRST}"),
    "suspended before 1970": sql("UPDATE cards SET mod = -100 WHERE queue = -1"),
    "suspended in year 9258": sql("UPDATE cards SET mod = 230000000000 WHERE queue = -1"),
    "suspended past any date": sql("UPDATE cards SET mod = 1000000000000000 WHERE queue = -1"),
}


@pytest.mark.parametrize("layout", [2, 3])
@pytest.mark.parametrize("case", sorted(OUT_OF_RANGE))
def test_history_out_of_the_logs_range_is_skipped_and_the_user_can_go_on(
    tmp_path: Path,
    home: Home,
    library: DeckLibrary,
    make_store: Callable[..., UserStore],
    case: str,
    layout: int,
) -> None:
    path = package(tmp_path, layout, OUT_OF_RANGE[case])
    clean = import_files(
        [package(tmp_path, layout, name="clean.apkg")], library, None, dry_run=True
    )
    store = make_store()
    summary = import_files([path], library, store)
    assert summary.reviews_added > 0  # the good entries still come in
    skipped = [w for w in summary.warnings if "skipped" in w and INSTANT_RANGE in w]
    assert len(skipped) == 1 and "anki-" in skipped[0]
    assert len(summary.warnings) == len(clean.warnings) + 1
    # Every file the import wrote is one the reader takes: the user is not locked out.
    entries = list(read_all(store.log_dir))
    assert len(entries) == summary.reviews_added
    reopened = UserStore(home, "tester")
    assert reopened.data.total == store.data.total


def test_many_bad_reviews_are_named_a_few_times_then_counted(tmp_path: Path) -> None:
    path = package(tmp_path, 2, sql("UPDATE revlog SET id = -id"))
    read = read_source(path)
    named = [w for w in read.warnings if INSTANT_RANGE in w]
    counted = [w for w in read.warnings if "more review(s) skipped" in w]
    assert len(named) == source.MAX_REVIEW_WARNINGS and len(counted) == 1
    assert read.skipped_reviews == source.MAX_REVIEW_WARNINGS + int(counted[0].split()[1])
    assert [r.action for r in read.reviews] == ["suspend"]


instants = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
)


@budget(200)
@given(
    entry_id=st.sampled_from(["anki-1-2", "x" * 64, "x" * 65, ""]),
    at=instants | st.sampled_from([datetime(1969, 12, 31, 23, 59, tzinfo=UTC)]),
    card=st.sampled_from(["deck-a", "-bad", "x" * 81]),
    action=st.sampled_from([*ACTIONS, "delete"]),
    rating=st.none() | st.integers(-2, 6),
    ms=st.sampled_from([0, -1, 999_999_999, 10**9, 2**40]),
)
def test_an_importer_keeps_exactly_what_the_log_reader_accepts(
    entry_id: str, at: datetime, card: str, action: str, rating: int | None, ms: int
) -> None:
    """One definition of a valid entry: what `add_review` keeps, written as the log writes it,
    is read back; what it skips, the reader would refuse."""
    read = ImportSource(Path("x.apkg"), "test")
    kept = read.add_review(source_review(entry_id, card, "c-1", at, action, rating, ms))
    written = entry_to_toml(LogEntry(entry_id, at, f"{card}/c-1", rating, action, ms, "import"))
    try:
        parse_log(b"format = 1\n" + written, "log.toml")
    except DataFileError:
        accepted = False
    else:
        accepted = True
    assert kept == accepted
    assert (read.reviews != []) == kept and (read.warnings != []) != kept


# --- D4: SQL that never ends ---------------------------------------------------------------------

ENDLESS = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) "


def as_view(table: str, name: str | None = None) -> Change:
    def change(conn: sqlite3.Connection) -> None:
        columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
        picked = ", ".join(f"n AS {c}" for c in columns)
        conn.execute(f"DROP TABLE {table}")
        conn.execute(f"CREATE VIEW {name or table} AS {ENDLESS}SELECT {picked} FROM r ORDER BY n")

    return change


def virtual_revlog(conn: sqlite3.Connection) -> None:
    conn.execute("DROP TABLE revlog")
    conn.execute("CREATE VIRTUAL TABLE revlog USING fts5(id, cid, ease, factor, time, type)")


def trigger_on_cards(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TRIGGER t AFTER INSERT ON cards BEGIN DELETE FROM notes; END")


NOT_TABLES = {
    "revlog a view": (2, as_view("revlog")),
    "cards a view": (2, as_view("cards")),
    "notes a view": (3, as_view("notes")),
    "col a view": (2, as_view("col")),
    "decks a view": (3, as_view("decks")),
    "REVLOG a view": (2, as_view("revlog", "REVLOG")),
    "revlog a virtual table": (2, virtual_revlog),
    "a trigger on cards": (2, trigger_on_cards),
}


@pytest.mark.parametrize("case", sorted(NOT_TABLES))
def test_views_triggers_and_virtual_tables_are_refused(tmp_path: Path, case: str) -> None:
    layout, change = NOT_TABLES[case]
    path = package(tmp_path, layout, change)
    with pytest.raises(DataFileError) as info:
        read_source(path, staging=tmp_path / "staging")
    one_line_error(info.value, str(path))
    assert "not a table" in str(info.value)
    assert list((tmp_path / "staging").iterdir()) == []


@pytest.mark.parametrize("table", ["revlog", "cards", "notes"])
def test_the_step_budget_stops_endless_sql_that_gets_past_the_view_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, table: str
) -> None:
    path = package(tmp_path, 2, as_view(table))
    monkeypatch.setattr(ankicollection, "READ_TABLES", ("nothing",))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "system-temp"))
    (tmp_path / "system-temp").mkdir()
    with pytest.raises(DataFileError) as info:
        read_source(path, staging=tmp_path / "staging")
    one_line_error(info.value, str(path))
    assert "SQLite steps" in str(info.value)
    assert list((tmp_path / "system-temp").iterdir()) == []  # SQLite's sorter stayed in memory


# --- D8: malformed values give one line, through the command people run --------------------------


def models(change: Callable[[dict], object]) -> Change:  # type: ignore[type-arg]
    def apply(conn: sqlite3.Connection) -> None:
        import json

        (raw,) = conn.execute("SELECT models FROM col").fetchone()
        data = json.loads(raw)
        conn.execute("UPDATE col SET models = ?", (json.dumps(change(data)),))

    return apply


def first_model(data: dict, key: str, value: object) -> dict:  # type: ignore[type-arg]
    model = next(iter(data.values()))
    model[key] = value
    return data


def loosened(table: str, statement: str) -> Change:
    def apply(conn: sqlite3.Connection) -> None:
        loosen(conn, table)
        conn.execute(statement)

    return apply


REFUSED = {
    "col.models a list": models(lambda d: list(d.values())),
    "a field not an object": models(lambda d: first_model(d, "flds", ["Front"])),
    "a template nested 5000 deep": models(
        lambda d: first_model(
            d, "tmpls", [{"name": "x", "ord": 0, "qfmt": "{{#Front}}" * 5000, "afmt": "x"}]
        )
    ),
    "a deck not an object": loosened("col", "UPDATE col SET decks = '{\"1\": 5}'"),
    "col.decks nested 100000 deep": loosened(
        "col", "UPDATE col SET decks = '" + "[" * 100_000 + "]" * 100_000 + "'"
    ),
    "col.conf a list": loosened("col", "UPDATE col SET conf = '[]'"),
    "a note type's name a number": models(lambda d: first_model(d, "name", 5)),
}
READ_WITH_WARNINGS = {
    "notes.flds NULL": loosened("notes", "UPDATE notes SET flds = NULL WHERE rowid = 1"),
    "notes.guid NULL": loosened("notes", "UPDATE notes SET guid = NULL WHERE rowid = 1"),
    "cards.ord text": loosened("cards", "UPDATE cards SET ord = 'x' WHERE rowid = 1"),
    "revlog.ease a blob": loosened("revlog", "UPDATE revlog SET ease = x'00' WHERE rowid = 1"),
}
READ_CLEANLY = {
    "notes.tags NULL": loosened("notes", "UPDATE notes SET tags = NULL"),
    "col.conf NULL": loosened("col", "UPDATE col SET conf = NULL"),
    "col.conf null": loosened("col", "UPDATE col SET conf = 'null'"),
    "a cloze nested 5000 deep": loosened(
        "notes", "UPDATE notes SET flds = '" + "{{c1::" * 5000 + "x" + "}}" * 5000 + "'"
    ),
    "revlog.time text": loosened("revlog", "UPDATE revlog SET time = 'slow'"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_malformed_collections_are_one_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    path = package(tmp_path, 2, REFUSED[case])
    code, _, err = run_cli(capsys, "import", str(path))
    assert_one_line_error(code, err)
    assert str(path) in err and "damaged Anki collection" in err


@pytest.mark.parametrize("case", sorted(READ_WITH_WARNINGS))
def test_a_malformed_row_skips_its_card_or_review_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    path = package(tmp_path, 2, READ_WITH_WARNINGS[case])
    code, out, err = run_cli(capsys, "import", str(path))
    assert (code, err) == (0, "")
    column = case.split()[0]
    assert any("skipped" in line and column in line for line in out.splitlines())


@pytest.mark.parametrize("case", sorted(READ_CLEANLY))
def test_harmless_oddities_are_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    path = package(tmp_path, 2, READ_CLEANLY[case])
    code, out, err = run_cli(capsys, "import", str(path))
    assert (code, err) == (0, "")
    assert "Cards: 8 added" in out


@pytest.mark.parametrize("size", [(128 << 10) + 1, 1 << 20])
@pytest.mark.parametrize("header", ["#columns:", "#separator:comma\n#columns:"])
def test_a_huge_columns_header_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], size: int, header: str
) -> None:
    path = tmp_path / "notes.txt"
    path.write_text(f"{header}{'F' * size},Back\nq,a\n")
    code, _, err = run_cli(capsys, "import", str(path))
    assert_one_line_error(code, err)
    assert f"line {header.count(chr(10)) + 1}: #columns" in err


@pytest.mark.parametrize("home", ["~nosuchuser-flashprep/x", "~nosuchuser-flashprep"])
@pytest.mark.parametrize("how", ["option", "environment"])
def test_a_home_under_an_unknown_users_tilde_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, home: str, how: str
) -> None:
    for command in (["decks"], ["stats", "--json"], ["import", "x.csv"]):
        if how == "option":
            code, _, err = run_cli(capsys, *command, "--home", home)
        else:
            monkeypatch.setenv("FLASHPREP_HOME", home)
            code, _, err = run_cli(capsys, *command)
        assert_one_line_error(code, err)
        assert home in err


def test_an_unexpected_exception_is_one_line_unless_debugging(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from flashprep.commands import decks

    def broken(args: object) -> int:
        raise AttributeError("'NoneType' object has no attribute 'x'\nsecond line")

    monkeypatch.setattr(decks, "run", broken)
    code, _, err = run_cli(capsys, "decks")
    assert code == 2 and err.count("\n") == 1 and "AttributeError" in err
    assert "a bug in flashprep" in err and "Traceback" not in err
    monkeypatch.setenv("FLASHPREP_DEBUG", "1")
    with pytest.raises(AttributeError):
        main(["decks"])


hostile_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30
)


@budget(60)
@given(
    command=st.sampled_from(["decks", "stats", "import", "export", "stories", "plan"]),
    where=st.sampled_from(["ok", "hostile", "file", "/dev/null", "~nosuchuser-flashprep/x"])
    | hostile_text.map(lambda text: f"under:{text}"),
    user=st.none() | hostile_text,
    value=hostile_text,
)
def test_no_command_ever_ends_in_a_traceback(
    tmp_path_factory: pytest.TempPathFactory,
    command: str,
    where: str,
    user: str | None,
    value: str,
) -> None:
    """Every scripted command, with hostile data folders, user names and arguments: it works
    or says what is wrong in one line with exit 2, never through the catch-all for bugs."""
    folder = tmp_path_factory.mktemp("cli")
    a_file = folder / "a-file"
    a_file.write_text("not a folder")
    # Never a home outside the test's folder ("~", "", a relative path, ".."): commands write.
    inside = value.replace("..", "__")
    homes = {"ok": folder / "home", "file": a_file, "hostile": folder / "home" / inside}
    if where.startswith("under:"):
        homes[where] = folder / "h" / where[6:].replace("..", "__")
    home = str(homes.get(where, where))
    args = {
        "decks": ["decks", "--json"],
        "stats": ["stats", "--json", "--deck", value],
        "import": ["import", "--dry-run", str(folder / inside) if value else "-"],
        "export": ["export", value or "x", "-o", str(folder / "out.apkg")],
        "stories": ["stories", "--json"],
        "plan": ["plan", "--date", value],
    }[command]
    argv = [*args, "--home", home] + ([] if user is None else ["--user", user])
    with (
        pytest.MonkeyPatch.context() as patch,
        open(os.devnull, "w") as sink,
    ):
        err = _Capture()
        patch.setattr(sys, "stdout", sink)
        patch.setattr(sys, "stderr", err)
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse's own usage errors
            code = int(exc.code or 0)
    assert code in (0, 2), (argv, err.text)
    if code:
        assert err.text.startswith("flashprep: error: ") or "usage:" in err.text, argv
        assert "Traceback" not in err.text and "a bug in flashprep" not in err.text, err.text
        if "usage:" not in err.text:
            assert err.text.count("\n") == 1, err.text


class _Capture:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> int:
        self.text += text
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:  # as a redirected stderr says: no progress bars drawn
        return False


# --- D10: scratch files stay in the data folder and do not outlive their process ---------------


def test_an_import_stages_inside_the_data_folder_and_cleans_up(
    tmp_path: Path,
    home: Home,
    library: DeckLibrary,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    system_temp = tmp_path / "system-temp"
    system_temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_temp))
    seen: list[Path] = []
    real = ankicollection._connect

    def connect(path: Path, db: Path) -> tuple[sqlite3.Connection, ankicollection._Budget]:
        seen.append(db)
        assert (db.parent / LOCK_NAME).exists()
        return real(path, db)

    monkeypatch.setattr(ankicollection, "_connect", connect)
    for layout in (2, 3):
        import_files([package(tmp_path, layout)], library, None, dry_run=True)
    assert [p.parent.parent for p in seen] == [home.staging, home.staging]
    assert list(home.staging.iterdir()) == []
    assert list(system_temp.iterdir()) == []


def test_an_export_writes_no_scratch_file(
    tmp_path: Path, library: DeckLibrary, monkeypatch: pytest.MonkeyPatch
) -> None:
    system_temp = tmp_path / "system-temp"
    system_temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_temp))
    deck = next(iter(library.decks.values())).deck
    data = export_deck(deck, "apkg", datetime(2026, 12, 1, tzinfo=UTC))
    assert list(system_temp.iterdir()) == []
    (tmp_path / "back.apkg").write_bytes(data)
    back = read_source(tmp_path / "back.apkg")
    assert sum(len(d.cards) for d in back.decks) == len(deck.cards)


def leftover(home: Home, name: str, age: float, lock: bool = True) -> Path:
    """A staging folder as a killed import leaves it, made `age` seconds ago."""
    folder = home.staging / name
    folder.mkdir(parents=True)
    (folder / "collection.db").write_bytes(b"cards" * 1000)
    if lock:
        (folder / LOCK_NAME).touch()
    then = time.time() - age
    os.utime(folder, (then, then))
    return folder


@pytest.mark.parametrize("command", [["decks"], ["stats", "--json"], ["export", "x", "-o", "-"]])
def test_any_command_removes_what_a_killed_import_left(
    home: Home, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    old = [leftover(home, f"import-{n}", 3600) for n in range(2)]
    no_lock = leftover(home, "import-nolock", 3600, lock=False)
    run_cli(capsys, *command)
    assert not any(p.exists() for p in [*old, no_lock])


def test_a_folder_in_use_or_just_made_is_left_alone(home: Home) -> None:
    busy = leftover(home, "import-busy", 3600)
    young = leftover(home, "import-young", 0, lock=False)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, filelock; lock = filelock.FileLock(sys.argv[1]); lock.acquire(); "
            "print('held', flush=True); sys.stdin.read()",
            str(busy / LOCK_NAME),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        assert tidy_staging(home.staging) == []
        assert busy.exists() and young.exists()
    finally:
        holder.communicate("")
    os.utime(young, (time.time() - GRACE_SECONDS - 1,) * 2)
    assert sorted(tidy_staging(home.staging)) == [busy, young]


# --- D12: the text-import cap bounds the bytes read ----------------------------------------------


def feed_fifo(path: Path, size: int) -> threading.Thread:
    os.mkfifo(path)

    def write() -> None:
        try:
            with path.open("wb") as fifo:
                for _ in range(size // 4096 + 1):
                    fifo.write(b"a,b\n" * 1024)
        except BrokenPipeError:
            pass

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("fmt", ["csv", "tsv", "txt", "md", "toml"])
@pytest.mark.parametrize("kind", ["/dev/zero", "/dev/urandom", "fifo"])
def test_the_text_cap_bounds_the_bytes_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, kind: str
) -> None:
    cap = 64 << 10
    monkeypatch.setattr(source, "MAX_TEXT_BYTES", cap)
    path = Path(kind)
    if kind == "fifo":
        path = tmp_path / "pipe"
        feed_fifo(path, cap * 4)
    with pytest.raises(DataFileError) as info:
        read_source(path, fmt)
    one_line_error(info.value, str(path))
    assert "too large for a text import" in str(info.value)


def test_a_text_file_at_the_cap_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(source, "MAX_TEXT_BYTES", 4096)
    path = tmp_path / "cards.csv"
    path.write_bytes(b"front,back\n" * 372 + b"x" * 4)  # 4096 bytes
    assert len(path.read_bytes()) == 4096
    assert read_source(path).decks
    path.write_bytes(path.read_bytes() + b"y")
    with pytest.raises(DataFileError, match="too large"):
        read_source(path)


def test_import_of_a_device_through_the_cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(source, "MAX_TEXT_BYTES", 1 << 20)
    code, _, err = run_cli(capsys, "import", "/dev/zero", "--format", "csv")
    assert_one_line_error(code, err)
    assert "/dev/zero: too large for a text import" in err
