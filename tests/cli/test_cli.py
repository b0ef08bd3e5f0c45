"""The command line as scripts use it: JSON output, errors on stderr with exit code 2."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from flashprep import cli
from flashprep.cli import main
from flashprep.core.paths import bundled_decks_dir


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_decks_json_lists_bundled_decks_with_counts(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "decks", "--json")
    assert code == 0, err
    rows = json.loads(out)
    bundled = sorted(p.stem for p in bundled_decks_dir().glob("*.toml"))
    assert sorted(r["id"] for r in rows) == bundled
    for row in rows:
        assert set(row) == {"id", "name", "category", "source", "cards", "new", "due"}
        assert row["source"] == "bundled"
        assert row["cards"] == row["new"] > 0
        assert row["due"] == 0


def test_stats_json_for_a_new_user(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "stats", "--json", "--user", "newcomer")
    assert code == 0
    stats = json.loads(out)
    assert stats["user"] == "newcomer"
    assert stats["reviews_total"] == stats["reviews_today"] == 0
    for key in ("cards", "new", "learning", "review", "due_now"):
        assert key in stats
    assert stats["new"] == stats["cards"]


@pytest.mark.parametrize("name", ["../evil", "a/b", "..", ".hidden", "", "x" * 65, "sp ace"])
def test_bad_user_names_are_refused(capsys: pytest.CaptureFixture[str], name: str) -> None:
    code, out, err = run_cli(capsys, "stats", "--json", "--user", name)
    assert code == 2
    assert out == ""
    assert err.startswith("flashprep: error: ")
    assert "user name" in err
    assert "Traceback" not in err


def test_unknown_deck_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "drill", "no-such-deck")
    assert code == 2
    assert "unknown deck 'no-such-deck'" in err


def test_broken_user_file_is_reported_not_overwritten(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    profile = tmp_path / "home" / "users" / "tester" / "profile.toml"
    profile.parent.mkdir(parents=True)
    profile.write_text("format = 1\nsettings = [\n")
    code, _, err = run_cli(capsys, "stats", "--json")
    assert code == 2
    assert "profile.toml" in err and "TOML syntax error" in err
    assert profile.read_text() == "format = 1\nsettings = [\n"


def test_broken_deck_is_a_warning_and_the_others_still_list(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    decks = tmp_path / "home" / "decks"
    decks.mkdir(parents=True)
    (decks / "mine.toml").write_text('id = "mine"\nname = "Mine"\ncategory = "nope"\n')
    code, out, err = run_cli(capsys, "decks", "--json")
    assert code == 2
    assert "mine.toml" in err and "field 'category'" in err
    assert len(json.loads(out)) == len(list(bundled_decks_dir().glob("*.toml")))


def test_home_and_user_options_work_after_the_command(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run_cli(
        capsys, "stats", "--json", "--home", str(tmp_path / "h2"), "--user", "zed"
    )
    assert code == 0 and json.loads(out)["user"] == "zed"


@pytest.mark.parametrize("command", [[], ["drill"], ["decks"], ["stats"]])
def test_help_on_every_command(capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([*command, "--help"])
    assert info.value.code == 0
    assert "--home" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["-h", "stats"],
        ["--hel", "decks"],
        ["mock", "--help"],
        ["bogus"],
        ["--home"],
        ["stats", "--bogus"],
        ["decks", "--json", "extra"],
        ["--user", "stats", "export"],
        ["plan", "--date", "tomorrow", "--clear"],
    ],
)
def test_a_command_line_parses_as_with_every_command_registered(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    """`run` registers only the command named (see cli.commands_needed): help texts, errors and
    results must be those of the whole parser."""

    def parse(parser: argparse.ArgumentParser) -> tuple[object, str, str]:
        try:
            result: object = vars(parser.parse_args(argv))
        except SystemExit as exc:
            result = exc.code
        out, err = capsys.readouterr()
        return result, out, err

    assert parse(cli.build_parser(cli.commands_needed(argv))) == parse(cli.build_parser())


def test_a_command_imports_only_its_own_module() -> None:
    code = (
        "import sys, flashprep.cli as cli\n"
        "cli.build_parser(cli.commands_needed(['decks'])).parse_args(['decks'])\n"
        "print(sorted(m for m in sys.modules if m.startswith('flashprep.commands.')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "['flashprep.commands.common',",
        "'flashprep.commands.decks',",
        "'flashprep.commands.tui']",
    ]


def test_version_and_module_entry_point() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "flashprep", "--version"],
        capture_output=True,
        text=True,
        env={**os.environ},
        check=False,
    )
    assert result.returncode == 0
    assert result.stdout.startswith("flashprep ")


def test_second_writer_is_refused_with_the_holder_named(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from flashprep.core.files.lock import UserLock

    folder = tmp_path / "home" / "users" / "tester"
    with UserLock(folder):
        code, _, err = run_cli(capsys, "drill")
    assert code == 2
    assert "in use by pid" in err and str(os.getpid()) in err


def _grade_first_bundled_card(tmp_path: Path, rating: int = 3) -> str:
    from flashprep.core.decks.library import DeckLibrary
    from flashprep.core.paths import Home
    from flashprep.core.storage.userstore import UserStore

    home = Home(tmp_path / "home")
    key = DeckLibrary.load(home).card_keys()[0]
    UserStore(home, "tester").grade(key, rating, 3000)
    return key


def test_stats_json_after_a_grade_and_through_the_cache(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    key = _grade_first_bundled_card(tmp_path)
    deck = key.split("/")[0]
    code, out, err = run_cli(capsys, "stats", "--json")
    assert code == 0, err
    stats = json.loads(out)
    assert (stats["reviews_total"], stats["reviews_today"], stats["new_today"]) == (1, 1, 1)
    assert stats["ratings"]["good"] == 1 and stats["time_today_s"] == 3.0
    assert stats["heatmap"][-1]["reviews"] == 1 and stats["streak_days"] == 1
    assert stats["range"] == "month" and len(stats["reviews_by_day"]) == 30
    row = next(d for d in stats["by_deck"] if d["id"] == deck)
    assert row["studied"] == 1 and row["recall"] is not None
    assert (tmp_path / "home" / "users" / "tester" / "cache" / "history" / "tail.json").exists()
    code, again, _ = run_cli(capsys, "stats", "--json")
    assert code == 0 and json.loads(again) == stats


def test_stats_json_for_one_deck_and_a_range(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    key = _grade_first_bundled_card(tmp_path)
    deck = key.split("/")[0]
    others = [p.stem for p in bundled_decks_dir().glob("*.toml") if p.stem != deck]
    code, out, _ = run_cli(capsys, "stats", "--json", "--deck", others[0], "--range", "year")
    assert code == 0
    stats = json.loads(out)
    assert (stats["deck"], stats["range"], stats["reviews_total"]) == (others[0], "year", 0)
    assert [d["id"] for d in stats["by_deck"]] == [others[0]]
    assert len(stats["reviews_by_day"]) == 365
    code, out, _ = run_cli(capsys, "stats", "--json", "--deck", deck, "--range", "all")
    assert json.loads(out)["reviews_total"] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--deck", "no-such-deck"], "unknown deck 'no-such-deck'"),
        (["--range", "decade"], "invalid choice: 'decade'"),
    ],
)
def test_stats_bad_options(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    if args[0] == "--range":
        with pytest.raises(SystemExit) as info:
            main(["stats", "--json", *args])
        code, err = info.value.code, capsys.readouterr().err
    else:
        code, _, err = run_cli(capsys, "stats", "--json", *args)
    assert code == 2
    assert message in err and "Traceback" not in err


def test_stats_without_json_opens_the_screen_holding_the_lock(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from flashprep.core.files.lock import UserLock
    from flashprep.tui.app import FlashprepApp

    opened: list[tuple[str, list[str] | None, str]] = []

    def run(app: FlashprepApp) -> None:
        opened.append((app.start, app.deck_ids, app.stats_range))
        with pytest.raises(Exception, match="in use"):  # our own lock is held meanwhile
            UserLock(tmp_path / "home" / "users" / "tester").acquire()

    monkeypatch.setattr(FlashprepApp, "run", run)
    deck = next(bundled_decks_dir().glob("*.toml")).stem
    code, _, err = run_cli(capsys, "stats", "--deck", deck, "--range", "3months")
    assert code == 0, err
    assert opened == [("stats", [deck], "3months")]
    folder = tmp_path / "home" / "users" / "tester"
    with UserLock(folder):
        code, _, err = run_cli(capsys, "stats")
    assert code == 2 and "in use by pid" in err


def test_the_flashprep_command_leaves_the_garbage_collector_running(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The launcher pauses the collector for the imports only (see flashprep/launch.py)."""
    import gc
    import tomllib
    from pathlib import Path as P

    from flashprep import launch

    project = tomllib.loads((P(__file__).parents[2] / "pyproject.toml").read_text())
    assert project["project"]["scripts"]["flashprep"] == "flashprep.launch:main"
    assert gc.isenabled()
    assert launch.main(["decks"]) == 0
    assert "behavioral-core" in capsys.readouterr().out
    assert gc.isenabled()


@pytest.mark.parametrize(
    "name", ["Mine", "A deck name far longer than any column should be for it", "Ünïcödé ☃ deck"]
)
def test_decks_table_has_a_name_column_that_keeps_the_counts_aligned(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str
) -> None:
    decks = tmp_path / "home" / "decks"
    decks.mkdir(parents=True)
    (decks / "mine.toml").write_text(
        f'id = "mine"\nname = "{name}"\ncategory = "technical"\n', encoding="utf-8"
    )
    code, out, err = run_cli(capsys, "decks")
    assert code == 0, err
    header, *lines = out.splitlines()
    assert header.split()[:3] == ["ID", "NAME", "CATEGORY"]
    [mine] = [line for line in lines if line.startswith("mine ")]
    assert name in mine or ("…" in mine and name.startswith(mine.split("…")[0].split("  ")[-1]))
    assert "Python" in out  # bundled names too
    for line in lines:  # the counts end where the header's DUE ends
        assert len(line) == len(header), line
