"""`flashprep stories`, `plan`, `mock` and the interview keys of `stats --json`, as scripts use
them: JSON out, one-line errors with exit code 2, nothing written on a mistake."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from textual.binding import Binding

from flashprep.cli import main
from flashprep.core.clock import study_day, system_clock
from flashprep.core.files.lock import UserLock
from flashprep.core.interview.mock import MockRound
from flashprep.core.interview.mockquestions import MockOptions
from flashprep.core.interview.stories import Story, StoryBank, save_stories
from flashprep.core.paths import Home
from flashprep.core.storage.userstore import UserStore
from flashprep.tui.screens.home import HomeScreen

Capture = pytest.CaptureFixture[str]
USER = Path("home") / "users" / "tester"


def run_cli(capsys: Capture, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def soon(days: int = 20) -> str:
    """`days` after today's study day (which is yesterday's date before the 4 am rollover), the
    day the CLI counts its horizon from."""
    return (study_day(system_clock()) + timedelta(days=days)).isoformat()


def test_stories_lists_nothing_then_the_stories_as_json(capsys: Capture, tmp_path: Path) -> None:
    code, out, _ = run_cli(capsys, "stories", "--json")
    assert code == 0 and json.loads(out) == []
    code, out, _ = run_cli(capsys, "stories")
    [key] = [b.key for b in HomeScreen.BINDINGS if isinstance(b, Binding) and b.id == "stories"]
    assert code == 0 and f"`{key}` on the home screen" in out  # the key that opens the stories
    story = Story(
        id="s1",
        title="Payments",
        action="Did it.",
        competencies=["conflict"],
        questions=["behavioral-core/why-this-company", "gone/card"],
    )
    save_stories(tmp_path / USER / "stories.toml", StoryBank(stories=[story]))
    code, out, _ = run_cli(capsys, "stories", "--json")
    assert code == 0
    [row] = json.loads(out)
    assert row["id"] == "s1" and row["action"] == "Did it." and row["competencies"] == ["conflict"]
    assert row["questions"][0]["card"] == "behavioral-core/why-this-company"
    assert row["questions"][0]["front"].startswith("Why")
    assert row["questions"][1] == {"card": "gone/card", "front": None}
    code, out, _ = run_cli(capsys, "stories")
    assert "Payments" in out
    assert "Competencies without a story: proactivity" in out  # motivation: a linked question


def test_a_broken_story_file_is_one_line_and_left_alone(capsys: Capture, tmp_path: Path) -> None:
    path = tmp_path / USER / "stories.toml"
    path.parent.mkdir(parents=True)
    path.write_text('[[stories]]\nid = "a"\ntitle = "A"\ncompetences = []\n')
    code, out, err = run_cli(capsys, "stories", "--json")
    assert code == 2 and out == ""
    assert err.startswith("flashprep: error: ") and err.count("\n") == 1
    assert "stories.toml: line 4: story 'a': field 'competences'" in err
    assert "Traceback" not in err
    assert path.read_text().endswith("competences = []\n")


def test_plan_set_show_and_clear(capsys: Capture, tmp_path: Path) -> None:
    code, out, _ = run_cli(capsys, "plan")
    assert code == 0 and "No interview date set" in out
    day = soon()
    code, out, err = run_cli(capsys, "plan", "--date", day, "--deck", "python", "--target", "0.95")
    assert code == 0, err
    assert f"Interview {day}" in out and " · Python\n" in out  # the deck by its name
    profile = (tmp_path / USER / "profile.toml").read_text()
    assert "[interview]" in profile and f"date = {day}" in profile
    code, out, _ = run_cli(capsys, "plan", "--json")
    data = json.loads(out)
    assert data["interview_date"] == day and data["decks"] == ["python"]
    assert data["target_recall"] == 0.95 and data["new_per_day"] > 0
    assert [r["topic"] for r in data["readiness"]] == ["python"]
    assert run_cli(capsys, "plan", "--deck", "algorithms")[0] == 0  # changes the decks only
    assert json.loads(run_cli(capsys, "plan", "--json")[1])["decks"] == ["algorithms"]
    code, out, _ = run_cli(capsys, "plan", "--clear")
    assert code == 0 and "No interview date set" in out
    assert "[interview]" not in (tmp_path / USER / "profile.toml").read_text()


FORECAST_KEYS = {
    "date",
    "target_recall",
    "daily_minutes",
    "recall_on_date",
    "pace_minutes",
    "recall_at_pace",
    "minutes_for_target",
    "sentence",
}


@pytest.mark.parametrize(("days", "target"), [(20, "0.95"), (3, "0.5"), (60, "0.9")])
def test_plan_json_has_the_forecast_the_plan_screen_shows(
    capsys: Capture, tmp_path: Path, days: int, target: str
) -> None:
    from flashprep.core.decks.library import DeckLibrary
    from flashprep.core.interview.projection import forecast
    from flashprep.format import forecast_sentence

    assert json.loads(run_cli(capsys, "plan", "--json")[1])["forecast"] is None
    run_cli(capsys, "plan", "--date", soon(days), "--deck", "python", "--target", target)
    data = json.loads(run_cli(capsys, "plan", "--json")[1])
    got = data["forecast"]
    assert set(got) == FORECAST_KEYS
    assert got["date"] == soon(days) and got["target_recall"] == float(target)
    store = UserStore(Home(tmp_path / "home"), "tester")
    expected = forecast(DeckLibrary.load(store.home), store)
    assert expected is not None
    assert got["sentence"] == forecast_sentence(expected)  # what the plan screen shows
    assert got["recall_on_date"] == pytest.approx(expected.predicted, abs=1e-4)
    assert 0 <= got["recall_on_date"] <= 1
    assert got["pace_minutes"] is None and got["recall_at_pace"] is None  # nothing studied
    assert got["minutes_for_target"] is None or got["minutes_for_target"] >= 0
    code, out, _ = run_cli(capsys, "plan")
    assert code == 0 and forecast_sentence(expected) in out.splitlines()


@pytest.mark.parametrize("decks", [["algorithms"], ["algorithms", "python"], []])
def test_plan_names_its_decks_and_topics(capsys: Capture, decks: list[str]) -> None:
    """A person reads deck names in `flashprep plan`; the JSON keeps the ids."""
    names = {r["id"]: r["name"] for r in json.loads(run_cli(capsys, "decks", "--json")[1])}
    args = [arg for deck in decks for arg in ("--deck", deck)]
    code, out, err = run_cli(capsys, "plan", "--date", soon(), *args)
    assert code == 0, err
    header, table = out.splitlines()[0], out.split("\n\n", 1)[1].splitlines()
    if decks:
        assert header.endswith(" · " + ", ".join(names[d] for d in decks))
    else:
        assert header.endswith(" · all decks")
    data = json.loads(run_cli(capsys, "plan", "--json")[1])
    topics = [r["topic"] for r in data["readiness"]]
    assert topics and set(topics) <= set(names) and data["decks"] == decks
    assert table[0].startswith("TOPIC") and len(table) == len(topics) + 1
    for line, topic in zip(table[1:], topics, strict=True):
        name = names[topic]
        shown = line.split("  ")[0].rstrip()
        assert shown == name or (shown.endswith("…") and name.startswith(shown[:-1])), line


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "2026-02-30"], "--date: '2026-02-30' is not a date (YYYY-MM-DD)"),
        (["--date", "2001-01-01"], "--date: 2001-01-01 is in the past"),
        (["--date", "0001-01-01"], "--date: 0001-01-01 is in the past"),
        (["--date", "9999-12-31"], "--date: 9999-12-31 is more than ten years away"),
        (["--date", "9000-01-01"], "--date: 9000-01-01 is more than ten years away"),
        (["--date", soon(3654)], f"--date: {soon(3654)} is more than ten years away"),
        (["--date", soon(), "--deck", "nope"], "unknown deck 'nope'"),
        (["--date", soon(), "--target", "1.5"], "--target: 1.5 must be between 0.5 and 0.99"),
        (["--deck", "python"], "no interview date set: give one with --date"),
        (["--clear", "--deck", "python"], "--clear takes no --deck or --target"),
    ],
)
def test_plan_mistakes_are_one_line_errors(
    capsys: Capture, tmp_path: Path, args: list[str], message: str
) -> None:
    code, out, err = run_cli(capsys, "plan", *args)
    assert code == 2 and out == ""
    assert err.startswith("flashprep: error: ") and message in err
    assert not (tmp_path / USER / "profile.toml").exists()


def test_the_latest_interview_date_is_ten_years_ahead(capsys: Capture) -> None:
    code, out, err = run_cli(capsys, "plan", "--date", soon(3653))
    assert code == 0, err
    assert f"Interview {soon(3653)}" in out


def profile_dated(capsys: Capture, tmp_path: Path, day: str) -> Path:
    """A profile whose interview date is `day`, as a hand edit would leave it."""
    assert run_cli(capsys, "plan", "--date", soon())[0] == 0
    profile = tmp_path / USER / "profile.toml"
    profile.write_text(profile.read_text().replace(f"date = {soon()}", f"date = {day}"))
    return profile


@pytest.mark.parametrize("day", ["9000-12-31", "8999-06-30", "1970-01-01"])
def test_any_date_a_profile_may_hold_plans_and_counts(
    capsys: Capture, tmp_path: Path, day: str
) -> None:
    """The file's bound (years 1970-9000) leaves room for every interval: nothing overflows."""
    profile_dated(capsys, tmp_path, day)
    for command in (["plan"], ["plan", "--json"], ["stats", "--json"]):
        code, _, err = run_cli(capsys, *command)
        assert code == 0 and err == "", (command, err)


@pytest.mark.parametrize("day", ["9001-01-01", "9999-12-31", "1969-12-31", "0001-01-01"])
def test_a_profile_date_out_of_range_is_one_line_and_left_alone(
    capsys: Capture, tmp_path: Path, day: str
) -> None:
    profile = profile_dated(capsys, tmp_path, day)
    before = profile.read_bytes()
    for command in (["plan"], ["stats", "--json"], ["plan", "--date", soon()]):
        code, out, err = run_cli(capsys, *command)
        assert code == 2 and out == "" and len(err.splitlines()) == 1, (command, err)
        assert "profile.toml: line " in err and "field 'interview.date'" in err
        assert "between the years 1970 and 9000" in err
    assert profile.read_bytes() == before


def test_plan_is_refused_while_flashprep_runs(capsys: Capture, tmp_path: Path) -> None:
    with UserLock(tmp_path / USER):
        code, _, err = run_cli(capsys, "plan", "--date", soon())
    assert code == 2 and "in use by" in err
    code, _, _ = run_cli(capsys, "plan")  # showing it is fine
    assert code == 0


def test_stats_json_has_the_interview_date_and_readiness(capsys: Capture) -> None:
    code, out, _ = run_cli(capsys, "stats", "--json")
    assert code == 0
    stats = json.loads(out)
    assert stats["interview_date"] is None
    assert {r["topic"] for r in stats["readiness"]} >= {"python", "system-design"}
    assert all(r["recall_on_date"] is None for r in stats["readiness"])
    day = soon(30)
    run_cli(capsys, "plan", "--date", day, "--deck", "python", "--deck", "networking")
    out = run_cli(capsys, "stats", "--json")[1]
    stats = json.loads(out)
    assert stats["interview_date"] == day
    rows = {r["topic"]: r for r in stats["readiness"]}
    assert set(rows) == {"python", "networking"}
    for row in rows.values():
        assert {"topic", "cards", "recall_now", "recall_on_date"} <= set(row)
        assert row["recall_now"] == row["recall_on_date"] == 0.0
        assert row["cards"] > 0 and row["reviews_needed"] >= 2 * row["cards"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--minutes", "0"], "--minutes: 0 must be 1 to 240"),
        (["--mix", "behavioral:two"], "--mix: 'behavioral:two': expected CATEGORY:COUNT"),
        (["--mix", "sales:1"], "unknown category"),
        (["--deck", "nope"], "unknown deck 'nope'"),
        (["--json"], "--json goes with --history"),
    ],
)
def test_mock_mistakes_are_one_line_errors(capsys: Capture, args: list[str], message: str) -> None:
    code, out, err = run_cli(capsys, "mock", *args)
    assert code == 2 and out == ""
    assert err.startswith("flashprep: error: ") and message in err


def test_mock_history_lists_rounds(capsys: Capture, tmp_path: Path) -> None:
    code, out, _ = run_cli(capsys, "mock", "--history")
    assert code == 0 and "No mock interviews yet" in out
    from flashprep.core.decks.library import DeckLibrary

    home = Home(tmp_path / "home")
    store = UserStore(home, "tester")
    mock = MockRound.start(DeckLibrary.load(home), store, MockOptions(mix={"technical": 2}))
    assert mock.current is not None
    took = mock.target(mock.current) * 1000 + 5_000  # over whatever target the question has
    mock.answer(3, took)
    mock.finish()
    code, out, _ = run_cli(capsys, "mock", "--history", "--json")
    [row] = json.loads(out)
    assert row["answered"] == 1 and row["questions"] == 2 and row["over_time"] == 1
    assert row["finished"] and not row["applied"]
    assert row["answers"][0]["ms"] == took
    code, out, _ = run_cli(capsys, "mock", "--history")
    assert "1/2" in out


@pytest.mark.parametrize("command", ["mock", "stories", "plan"])
def test_help_of_the_interview_commands(capsys: Capture, command: str) -> None:
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "--home" in out and f"flashprep {command}" in out


@pytest.mark.parametrize(
    "competencies",
    [
        ["ownership", "communication", "perseverance"],
        ["conflict"],
        ["a" * 60],
        ["ownership", "communication", "perseverance", "leadership", "influence", "ambiguity"],
    ],
)
def test_stories_keep_their_titles_in_one_column(
    capsys: Capture, tmp_path: Path, competencies: list[str]
) -> None:
    stories = [
        Story(id="s1", title="First title", action="A.", competencies=competencies),
        Story(id="story-two", title="Second title", action="A.", competencies=["conflict"]),
        Story(id="s3", title="Third title", action="A."),
    ]
    save_stories(tmp_path / USER / "stories.toml", StoryBank(stories=stories))
    code, out, _ = run_cli(capsys, "stories")
    assert code == 0
    lines = out.splitlines()
    header = lines[0]
    column = header.index("TITLE")
    for line, story in zip(lines[1:4], stories, strict=True):
        assert line.index(story.title) == column, line
        shown = ", ".join(story.competencies) or "-"
        assert shown in line or "…" in line  # cut only with an ellipsis
