"""`flashprep drill --extra-new N --ahead DAYS --practice --query Q`: refused values end in one
line and exit 2 before any file is touched; accepted ones reach the drill the TUI opens."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from flashprep.cli import main
from flashprep.core.browse.catalog import Catalog
from flashprep.core.browse.search import find_cards
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.interview.opendrill import open_drill
from flashprep.core.paths import Home, bundled_decks_dir
from flashprep.core.scheduling.scheduler import Rating
from flashprep.core.storage.userstore import UserStore
from flashprep.core.study.customstudy import DrillOptions
from flashprep.core.study.drill import Drill
from flashprep.tui.app import FlashprepApp


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse's own refusals
        code = int(exc.code or 0)
    _, err = capsys.readouterr()
    return code, err


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[tuple[DrillOptions | None, Drill]]:
    """The options each opened app got, and the drill its first screen would hold."""
    seen: list[tuple[DrillOptions | None, Drill]] = []

    def run(app: FlashprepApp) -> None:
        session = app.session
        drill = open_drill(session.library, session.store, app.deck_ids, app.drill_options)
        seen.append((app.drill_options, drill))

    monkeypatch.setattr(FlashprepApp, "run", run)
    return seen


DECKS = sorted(p.stem for p in bundled_decks_dir().glob("*.toml"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--extra-new", "0"], "must be from 1 to"),
        (["--extra-new", "-4"], "must be from 1 to"),
        (["--extra-new", "ten"], "not a whole number: 'ten'"),
        (["--extra-new", "1e3"], "not a whole number"),
        (["--ahead", "0"], "must be from 1 to"),
        (["--ahead", "100000"], "must be from 1 to"),
        (["--ahead", "3", "--practice"], "not allowed with argument"),
        (["--extra-new", "5", "--practice"], "--extra-new adds new cards to a drill"),
        (["--extra-new", "5", "--ahead", "2"], "--extra-new adds new cards to a drill"),
    ],
)
def test_bad_drill_options_are_refused_in_one_line(
    capsys: pytest.CaptureFixture[str],
    opened: list[tuple[DrillOptions | None, Drill]],
    tmp_path: Path,
    args: list[str],
    message: str,
) -> None:
    code, err = run_cli(capsys, "drill", *args)
    assert code == 2
    assert message in err and "Traceback" not in err
    assert opened == []
    assert not (tmp_path / "home" / "users" / "tester" / "profile.toml").exists()


def test_a_plain_drill_has_no_custom_study(
    capsys: pytest.CaptureFixture[str], opened: list[tuple[DrillOptions | None, Drill]]
) -> None:
    code, err = run_cli(capsys, "drill", DECKS[0], DECKS[1])
    assert code == 0, err
    [(options, drill)] = opened
    assert options == DrillOptions()
    assert drill.mode == "drill" and drill.deck_ids == [DECKS[0], DECKS[1]]
    assert drill.remaining().new == 20  # the default daily limit
    assert {k.split("/")[0] for k in [drill.current, *drill.queue] if k} == {DECKS[0], DECKS[1]}


@pytest.mark.parametrize("extra", ["1", "7", "30"])
def test_extra_new_adds_to_the_days_limit(
    capsys: pytest.CaptureFixture[str],
    opened: list[tuple[DrillOptions | None, Drill]],
    extra: str,
) -> None:
    code, err = run_cli(capsys, "drill", "--extra-new", extra)
    assert code == 0, err
    [(options, drill)] = opened
    assert options == DrillOptions(extra_new=int(extra))
    assert drill.remaining().new == 20 + int(extra)


def test_practice_and_ahead_reach_the_drill(
    capsys: pytest.CaptureFixture[str], opened: list[tuple[DrillOptions | None, Drill]]
) -> None:
    assert run_cli(capsys, "drill", DECKS[0], "--practice") == (0, "")
    assert run_cli(capsys, "drill", "--ahead", "3") == (0, "")
    (practice_options, practice), (ahead_options, ahead) = opened
    assert practice_options == DrillOptions(practice=True) and practice.mode == "practice"
    assert practice.left == len(practice.library.card_keys([DECKS[0]]))  # every card, no limit
    assert ahead_options == DrillOptions(ahead_days=3) and ahead.mode == "ahead"
    assert ahead.finished  # a new user has nothing to review ahead


def test_an_unknown_deck_with_options_is_still_named(
    capsys: pytest.CaptureFixture[str], opened: list[tuple[DrillOptions | None, Drill]]
) -> None:
    code, err = run_cli(capsys, "drill", "nope", "--practice")
    assert code == 2 and "unknown deck 'nope'" in err
    assert opened == []


def expected_keys(query: str, decks: list[str] | None = None) -> list[str]:
    """What `flashprep cards` finds for the query (the same search), as keys."""
    home = Home(Path(os.environ["FLASHPREP_HOME"]))
    library = DeckLibrary.load(home)
    found = find_cards(Catalog.build(library), query, UserStore(home, "tester"))
    return [m.key for m in found if decks is None or m.deck in decks]


@pytest.mark.parametrize(
    ("query", "decks"),
    [
        ("tag:sql", None),
        (f"deck:{DECKS[0]} level:senior", None),
        ("level:junior", [DECKS[1], DECKS[2]]),
        ("is:new -level:mid", [DECKS[3]]),
    ],
)
@pytest.mark.parametrize("practice", [False, True])
def test_query_drills_exactly_the_cards_found(
    capsys: pytest.CaptureFixture[str],
    opened: list[tuple[DrillOptions | None, Drill]],
    query: str,
    decks: list[str] | None,
    practice: bool,
) -> None:
    args = [*(decks or []), "--query", query, *(["--practice"] if practice else [])]
    code, err = run_cli(capsys, "drill", *args)
    assert code == 0, err
    [(options, drill)] = opened
    wanted = expected_keys(query, decks)
    assert wanted and options == DrillOptions(practice=practice, keys=tuple(wanted))
    assert drill.mode == ("practice" if practice else "cards")
    shown = [drill.current, *drill.queue]
    assert sorted(k for k in shown if k) == sorted(wanted)  # every card found, no limit
    assert drill.practice is practice


def test_a_practice_of_a_query_leaves_the_schedule_alone(
    capsys: pytest.CaptureFixture[str], opened: list[tuple[DrillOptions | None, Drill]]
) -> None:
    assert run_cli(capsys, "drill", "--query", "tag:sql", "--practice") == (0, "")
    assert run_cli(capsys, "drill", "--query", "tag:sql") == (0, "")
    (_, practice), (_, drill) = opened
    key = practice.current
    assert key is not None
    practice.grade(Rating.GOOD)
    assert practice.store.state(key).is_new  # logged apart, the schedule unchanged
    graded = drill.current
    assert graded is not None
    drill.grade(Rating.GOOD)
    assert not drill.store.state(graded).is_new


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--query", "tag:"], "--query: "),
        (["--query", "is:nothing"], "--query: "),
        (["--query", "(tag:sql"], "at character"),
        (["--query", "due<x"], "at character"),
        (["--query", "tag:sql", "--ahead", "2"], "--query drills the cards it finds"),
        (["--query", "tag:sql", "--extra-new", "2"], "--query drills the cards it finds"),
        (["--query", "no-such-word-anywhere"], "no card matches 'no-such-word-anywhere'"),
        ([DECKS[0], "--query", "deck:" + DECKS[1]], f"in {DECKS[0]}"),
    ],
)
def test_a_bad_or_empty_query_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str],
    opened: list[tuple[DrillOptions | None, Drill]],
    tmp_path: Path,
    args: list[str],
    message: str,
) -> None:
    code, err = run_cli(capsys, "drill", *args)
    assert code == 2
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert opened == []
    assert not (tmp_path / "home" / "users" / "tester" / "profile.toml").exists()
