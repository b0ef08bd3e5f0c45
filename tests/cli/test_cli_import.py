"""`flashprep import` and `flashprep export` as people and scripts use them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from flashprep.cli import main
from flashprep.core.decks.deck import load_deck
from flashprep.core.files.lock import UserLock
from flashprep.core.paths import Home, bundled_decks_dir

DATA = Path(__file__).parents[1] / "data" / "anki"
MODERN = str(DATA / "small-modern.apkg")


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def data_home() -> Home:
    return Home(Path(os.environ["FLASHPREP_HOME"]))


def test_import_prints_a_summary_and_decks_lists_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run_cli(capsys, "import", MODERN)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "Imported.",
        "  small-modern.apkg: Anki package (collection.anki21b)",
        "Decks: 2 created, 0 updated",
        "  + interview-behavioral (Interview::Behavioral): 4 added, 0 updated, 0 unchanged",
        "  + interview-technical (Interview::Technical): 4 added, 0 updated, 0 unchanged",
        "Cards: 8 added, 0 updated, 0 unchanged",
        "Reviews: 0 imported",
    ]
    code, out, _ = run_cli(capsys, "decks", "--json")
    rows = {r["id"]: r for r in json.loads(out)}
    assert rows["interview-behavioral"]["source"] == "imported"
    assert rows["interview-behavioral"]["cards"] == rows["interview-behavioral"]["new"] == 4


def test_json_summary_and_a_second_import(capsys: pytest.CaptureFixture[str]) -> None:
    run_cli(capsys, "import", MODERN)
    code, out, _ = run_cli(capsys, "import", "--json", str(DATA / "notes-export.txt"))
    assert code == 0
    summary = json.loads(out)
    assert (summary["cards_added"], summary["cards_updated"], summary["cards_unchanged"]) == (
        0,
        0,
        8,
    )
    assert summary["sources"] == ["notes-export.txt: Anki text"]


def test_dry_run_writes_nothing(capsys: pytest.CaptureFixture[str], data_home: Home) -> None:
    code, out, _ = run_cli(capsys, "import", "--dry-run", MODERN)
    assert code == 0
    assert out.startswith("Dry run: nothing was written.\n")
    assert "Cards: 8 added" in out
    assert not data_home.decks.exists()


def test_deck_and_format_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data_home: Home
) -> None:
    notes = tmp_path / "notes.data"
    notes.write_text("## What is a deadlock?\nTwo threads each wait for the other.\n")
    code, _, err = run_cli(capsys, "import", "--format", "md", "--deck", "os-notes", str(notes))
    assert (code, err) == (0, "")
    deck = load_deck(data_home.decks / "os-notes.toml")
    assert [c.front for c in deck.cards] == ["What is a deadlock?"]


def test_bad_input_is_one_line_exit_2_and_nothing_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data_home: Home
) -> None:
    junk = tmp_path / "junk.apkg"
    junk.write_bytes(b"\x00junk" * 50)
    code, out, err = run_cli(capsys, "import", MODERN, str(junk))
    assert code == 2
    assert out == ""
    assert (
        err == f"flashprep: error: {junk}: not an Anki package: not a zip file, or a damaged one\n"
    )
    assert not data_home.decks.exists()


def test_import_refuses_while_the_user_is_drilling(
    capsys: pytest.CaptureFixture[str], data_home: Home
) -> None:
    with UserLock(data_home.user_dir("tester")):
        code, _, err = run_cli(capsys, "import", MODERN)
        assert code == 2
        assert "in use by" in err and "--no-history" in err
        code, _, err = run_cli(capsys, "import", "--no-history", MODERN)
        assert (code, err) == (0, "")


def test_export_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "export", "python", "--format", "csv")
    assert code == 0
    assert out.startswith("#separator:Comma\n#html:true\n#notetype:Basic\n#deck:Python\n")
    code, out, _ = run_cli(capsys, "export", "python")
    assert code == 0 and out.startswith('format = 1\nid = "python"')
    target = tmp_path / "py.apkg"
    code, out, _ = run_cli(capsys, "export", "python", "-o", str(target))
    assert code == 0
    cards = len(load_deck(bundled_decks_dir() / "python.toml").cards)
    assert out == f"Exported {cards} cards of python to {target} (apkg)\n"
    assert target.read_bytes()[:2] == b"PK"


def test_export_unknown_deck(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "export", "nope", "--format", "csv")
    assert code == 2
    assert "unknown deck 'nope'" in err


def test_export_then_import_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A bundled deck exported comes back as the same bundled cards: nothing changes."""
    target = tmp_path / "alg.apkg"
    assert run_cli(capsys, "export", "algorithms", "-o", str(target))[0] == 0
    code, out, _ = run_cli(capsys, "import", str(target))
    assert code == 0
    cards = len(load_deck(bundled_decks_dir() / "algorithms.toml").cards)
    assert (
        f"~ algorithms (Data structures and algorithms): 0 added, 0 updated, {cards} unchanged"
        in out
    )
    assert "algorithms-imported" not in out


def test_no_traceback_from_a_real_process(tmp_path: Path) -> None:
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"#separator:tab\n#html:true\n")
    result = subprocess.run(
        [sys.executable, "-m", "flashprep", "import", str(broken)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr == (
        f"flashprep: error: {broken}: no rows to import: the file holds only headers\n"
    )


def test_import_into_a_new_data_folder_reads_no_bundled_deck(
    capsys: pytest.CaptureFixture[str], data_home: Home, tmp_path: Path
) -> None:
    """`import` reads only the deck files it changes (no index of the bundled decks is built
    first), and still keeps the bundled decks' ids for them."""
    source = tmp_path / "python.md"  # "python" is a bundled deck's id
    source.write_text("## What is a generator?\nA function that yields.\n")
    code, out, err = run_cli(capsys, "import", str(source))
    assert (code, err) == (0, "")
    assert "id 'python' is a bundled deck, so the id is 'python-imported'" in out
    assert not list((data_home.cache / "decks").glob("bundled-*"))
    assert [p.name for p in (data_home.cache / "decks").iterdir()] == [
        "imported-python-imported.toml.jsonl"
    ]


@pytest.mark.parametrize("layout", [2, 3])
def test_the_import_command_in_its_own_process_writes_and_prints_everything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], layout: int
) -> None:
    """`flashprep import` leaves what the files held for the process's end to free
    (gcpause.leave_to_exit): its summary still comes out whole, and every review is in the log
    (an import of the same package afterwards finds each one known)."""
    from hostilecol import package

    path = package(tmp_path, layout)
    result = subprocess.run(
        [sys.executable, "-m", "flashprep", "import", "--json", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, "")
    first = json.loads(result.stdout)
    assert first["reviews_added"] > 0 and first["cards_added"] > 0
    code, out, err = run_cli(capsys, "import", "--json", str(path))
    assert (code, err) == (0, "")
    again = json.loads(out)
    assert (again["reviews_added"], again["reviews_known"]) == (0, first["reviews_added"])
    assert again["cards_added"] == 0


@pytest.mark.parametrize("launched", [False, True])
def test_only_the_command_lines_import_leaves_its_objects_to_the_exit(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], launched: bool
) -> None:
    """The process ends after the command only when flashprep.launch runs it; a caller that
    goes on (a test, the TUI's import dialog) frees what the import held, as ever."""
    from flashprep import launch
    from flashprep.core.importers import apply

    seen: list[bool] = []
    real = apply.import_files

    def spy(*args: object, keep_to_exit: bool = False, **kwargs: object) -> object:
        seen.append(keep_to_exit)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(apply, "import_files", spy)
    code = (launch.main if launched else main)(["import", MODERN])
    assert code == 0
    assert seen == [launched]
    capsys.readouterr()
