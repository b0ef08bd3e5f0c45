"""`flashprep cards` and `flashprep card`: listings, bulk schedule actions checked against the
review log and checkpoint they write, one-line errors, and card text that stays inert."""

from __future__ import annotations

import contextlib
import io
import json
import re
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flashprep.cli import main
from flashprep.commands.cards import DONE, MIN_FRONT
from flashprep.commands.common import show_json_list
from flashprep.core.browse.actions import SCHEDULE_ACTIONS
from flashprep.core.browse.search import SORT_FIELDS
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.paths import Home
from flashprep.core.storage.checkpoint import parse_checkpoint
from flashprep.core.storage.reviewlog import LogEntry, parse_log
from flashprep.core.storage.userstore import UserStore
from flashprep.core.text import dumps_json

from fuzzing import budget
from hostile import TERMINAL, acted_on, toml_string

Capture = pytest.CaptureFixture[str]

ROW_KEYS = {
    "key",
    "deck",
    "front",
    "state",
    "suspended",
    "buried",
    "due",
    "recall",
    "lapses",
    "reps",
    "level",
}
LONG = "Explain, step by step and with an example, " + "why this question goes on " * 12 + "end?"
MINE = {
    "mine/m1": "What is a mutex?",
    "mine/m2": "What is a semaphore?",
    "mine/m3": LONG,
    "mine/m4": "What is a deadlock?",
}
LOG_ACTION = {"due-today": "due"}
"""An action's name in the review log, where it differs from the option."""


def run_cli(capsys: Capture, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def home_of(tmp_path: Path) -> Home:
    return Home(tmp_path / "home")


def write_deck(tmp_path: Path, deck_id: str = "mine", cards: dict[str, str] = MINE) -> None:
    """An imported deck in the data folder (beside the bundled ones)."""
    folder = tmp_path / "home" / "decks"
    folder.mkdir(parents=True, exist_ok=True)
    blocks = [f'id = "{deck_id}"\nname = "My deck"\ncategory = "technical"\n']
    for key, front in cards.items():
        card_id = key.split("/")[1]
        blocks.append(
            f"[[cards]]\nid = {toml_string(card_id)}\nfront = {toml_string(front)}\n"
            f'back = "The answer to {card_id}."\ntags = ["mine"]\n'
        )
    (folder / f"{deck_id}.toml").write_text("\n".join(blocks), encoding="utf-8")


def store_of(tmp_path: Path) -> UserStore:
    return UserStore(home_of(tmp_path), "tester")


def log_entries(tmp_path: Path) -> list[LogEntry]:
    folder = tmp_path / "home" / "users" / "tester" / "reviews"
    entries: list[LogEntry] = []
    for path in sorted(folder.rglob("*.toml")) if folder.exists() else []:
        entries += parse_log(path.read_bytes(), path)
    return entries


def user_files(tmp_path: Path) -> dict[str, bytes]:
    folder = tmp_path / "home" / "users"
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def cards_json(capsys: Capture, *args: str) -> list[dict[str, object]]:
    code, out, err = run_cli(capsys, "cards", "--json", *args)
    assert code == 0, err
    rows: list[dict[str, object]] = json.loads(out)
    return rows


@pytest.fixture
def mine(tmp_path: Path) -> Path:
    write_deck(tmp_path)
    return tmp_path


def graded(tmp_path: Path, grades: dict[str, list[int]]) -> None:
    store = store_of(tmp_path)
    for key, ratings in grades.items():
        for rating in ratings:
            store.grade(key, rating, 4000)  # type: ignore[arg-type]
    store.checkpoint()


# listing


def test_cards_json_rows_match_the_schedule(capsys: Capture, mine: Path) -> None:
    graded(mine, {"mine/m1": [3], "mine/m2": [1, 3]})
    rows = cards_json(capsys, "deck:mine")
    assert sorted(r["key"] for r in rows) == sorted(MINE)
    store = store_of(mine)
    for row in rows:
        assert set(row) == ROW_KEYS
        key = str(row["key"])
        state = store.state(key)
        assert row["front"] == MINE[key]
        assert (row["state"], row["reps"], row["lapses"]) == (state.state, state.reps, state.lapses)
        assert row["suspended"] is False and row["buried"] is False
        if state.is_new:
            assert row["due"] is None and row["recall"] is None
        else:
            assert isinstance(row["due"], str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["due"])
            assert isinstance(row["recall"], float) and 0 < row["recall"] <= 1


def test_cards_without_a_query_lists_every_card(capsys: Capture, mine: Path) -> None:
    rows = cards_json(capsys)
    library = DeckLibrary.load(home_of(mine))
    assert sorted(str(r["key"]) for r in rows) == sorted(library.card_keys())


def test_piped_listing_is_rows_only_with_whole_fronts(capsys: Capture, mine: Path) -> None:
    code, out, err = run_cli(capsys, "cards", "deck:mine")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert len(lines) == len(MINE)  # no header, no count line
    assert sorted(line.split()[0] for line in lines) == sorted(MINE)
    assert any(line.endswith(LONG) for line in lines)
    assert not any("…" in line for line in lines)


@pytest.mark.parametrize("columns", [40, 60, 100, 150])
def test_terminal_listing_has_a_header_cut_fronts_and_a_count(
    capsys: Capture, mine: Path, monkeypatch: pytest.MonkeyPatch, columns: int
) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    code, out, _ = run_cli(capsys, "cards", "deck:mine")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["KEY", "DECK", "STATE", "DUE", "RECALL", "LAPSES", "FRONT"]
    assert lines[-1] == f"{len(MINE)} cards"
    rows = lines[1:-1]
    assert len(rows) == len(MINE)
    start = lines[0].index("FRONT")
    for line in rows:  # within the width, unless that would leave the front too short to read
        assert len(line) <= columns or len(line[start:]) <= MIN_FRONT
    long_row = next(line for line in rows if line.split()[0] == "mine/m3")
    assert long_row.endswith("…") and long_row[start:-1] == LONG[: len(long_row) - start - 1]


def test_terminal_listing_says_when_nothing_matches(
    capsys: Capture, mine: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    code, out, _ = run_cli(capsys, "cards", "deck:mine is:suspended")
    assert code == 0 and out == "No cards match.\n"
    code, out, _ = run_cli(capsys, "cards", "deck:mine", "--limit", "2")
    assert out.splitlines()[-1] == f"2 of {len(MINE)} cards"


@pytest.mark.parametrize("field", ["reps", "lapses"])
def test_sort_reverse_and_limit(capsys: Capture, mine: Path, field: str) -> None:
    # Easy takes a new card to review, where Again is a lapse
    graded(mine, {"mine/m1": [4, 1], "mine/m2": [3, 3, 3], "mine/m4": [4, 1, 4, 1, 3]})
    rows = cards_json(capsys, "deck:mine", "--sort", field)
    values = [int(str(r[field])) for r in rows]
    assert values == sorted(values) and len(set(values)) > 1
    backwards = cards_json(capsys, "deck:mine", "--sort", field, "--reverse")
    assert [int(str(r[field])) for r in backwards] == sorted(values, reverse=True)
    for limit in (1, 3, 10):
        assert (
            cards_json(capsys, "deck:mine", "--sort", field, "--limit", str(limit))
            == (rows[:limit])
        )


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["deck:mine", "mutex"], ["mine/m1"]),
        (["deck:mine", "(mutex", "OR", "deadlock)"], ["mine/m1", "mine/m4"]),
        (["--", "deck:mine", "-mutex"], ["mine/m2", "mine/m3", "mine/m4"]),
        (["--", "-tag:mine", "deck:mine"], []),
    ],
)
def test_several_words_are_one_query(
    capsys: Capture, mine: Path, words: list[str], expected: list[str]
) -> None:
    rows = cards_json(capsys, *words)
    assert sorted(str(r["key"]) for r in rows) == expected
    joined = cards_json(capsys, "--", " ".join(w for w in words if w != "--"))
    assert joined == rows


@pytest.mark.parametrize("field", SORT_FIELDS)
def test_every_sort_field_lists_the_same_cards(capsys: Capture, mine: Path, field: str) -> None:
    graded(mine, {"mine/m2": [3]})
    rows = cards_json(capsys, "deck:mine", "--sort", field)
    assert sorted(str(r["key"]) for r in rows) == sorted(MINE)


# errors


@pytest.mark.parametrize("query", ["(mutex", "lapses>many", "is:nonsense", "mutex)", "recall<"])
def test_a_malformed_query_is_one_line_with_its_position(
    capsys: Capture, mine: Path, query: str
) -> None:
    for extra in ([], ["--json"], ["--suspend"]):
        code, out, err = run_cli(capsys, "cards", query, *extra)
        assert code == 2 and out == ""
        assert re.fullmatch(r"flashprep: error: query: .+ \(at character \d+\)\n", err), err
        position = int(re.findall(r"at character (\d+)", err)[-1])
        assert 1 <= position <= len(query) + 1
    assert not log_entries(mine)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--suspend"], "--suspend needs a QUERY"),
        (["   ", "--forget"], "--forget needs a QUERY"),
        (["", "--due-today", "--dry-run"], "--due-today needs a QUERY"),
        (["deck:mine", "--dry-run"], "--dry-run goes with an action"),
        (["deck:mine", "--limit", "0"], "--limit: 0 must be at least 1"),
        (["deck:mine", "--limit", "-3", "--bury"], "--limit: -3 must be at least 1"),
    ],
)
def test_option_mistakes_are_one_line_errors(
    capsys: Capture, mine: Path, args: list[str], message: str
) -> None:
    code, out, err = run_cli(capsys, "cards", *args)
    assert code == 2 and out == ""
    assert err.startswith(f"flashprep: error: {message}") and err.count("\n") == 1
    assert not log_entries(mine)


@pytest.mark.parametrize(
    "args",
    [
        ["deck:mine", "--suspend", "--bury"],
        ["deck:mine", "--forget", "--unsuspend"],
        ["deck:mine", "--sort", "colour"],
        ["deck:mine", "--limit", "some"],
    ],
)
def test_argument_errors_exit_2(capsys: Capture, mine: Path, args: list[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["cards", *args])
    assert info.value.code == 2
    assert "Traceback" not in capsys.readouterr().err
    assert not log_entries(mine)


def test_actions_are_refused_while_the_user_is_in_use(capsys: Capture, mine: Path) -> None:
    from flashprep.core.files.lock import UserLock

    with UserLock(mine / "home" / "users" / "tester"):
        code, out, err = run_cli(capsys, "cards", "deck:mine", "--suspend")
        assert code == 2 and out == "" and "in use by pid" in err
        code, out, _ = run_cli(capsys, "cards", "deck:mine", "--suspend", "--dry-run")
        assert code == 0 and "would suspend" in out  # a dry run reads only
        assert cards_json(capsys, "deck:mine")  # so does a listing
    assert not log_entries(mine)


# actions


def prepared(tmp_path: Path, action: str) -> None:
    """A deck where `action` changes some cards and leaves others: one in review (due in days),
    one learning (due in minutes); two suspended or buried when the action undoes that."""
    graded(tmp_path, {"mine/m1": [4], "mine/m2": [1, 3]})
    store = store_of(tmp_path)
    if action in ("unsuspend", "unbury"):
        opposite = "suspend" if action == "unsuspend" else "bury"
        store.record("mine/m2", opposite)
        store.record("mine/m4", opposite)
    store.checkpoint()


def changed_by_log(tmp_path: Path, before: int, action: str) -> list[str]:
    fresh = log_entries(tmp_path)[before:]
    assert {e.action for e in fresh} <= {LOG_ACTION.get(action, action)}
    return [e.card for e in fresh]


@pytest.mark.parametrize("action", SCHEDULE_ACTIONS)
def test_each_action_writes_one_entry_per_changed_card(
    capsys: Capture, mine: Path, action: str
) -> None:
    prepared(mine, action)
    before = len(log_entries(mine))
    code, out, err = run_cli(capsys, "cards", "deck:mine", f"--{action}", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert set(result) == {"action", "changed", "unchanged", "dry_run"}
    assert result["action"] == action and result["dry_run"] is False
    assert sorted(result["changed"] + result["unchanged"]) == sorted(MINE)
    assert result["changed"], "the prepared deck has cards this action changes"
    assert sorted(changed_by_log(mine, before, action)) == sorted(result["changed"])
    # the checkpoint was written after, and agrees with a replay of the whole log
    folder = mine / "home" / "users" / "tester"
    checkpoint = parse_checkpoint((folder / "state.toml").read_bytes(), folder / "state.toml")
    assert checkpoint.position is not None
    assert checkpoint.position.last == log_entries(mine)[-1].id
    (folder / "state.toml").unlink()
    (folder / "cache" / "state.bin").unlink(missing_ok=True)
    replayed = store_of(mine)
    for key in MINE:
        assert checkpoint.states.get(key) == replayed.data.states.get(key), key
    # and a second run changes nothing more
    code, out, _ = run_cli(capsys, "cards", "deck:mine", f"--{action}", "--json")
    again = json.loads(out)
    if action != "due-today":
        assert again["changed"] == [] and len(log_entries(mine)) == before + len(result["changed"])


def test_suspend_then_unsuspend_as_text(capsys: Capture, mine: Path) -> None:
    code, out, _ = run_cli(capsys, "cards", "deck:mine (mutex OR deadlock)", "--suspend")
    assert code == 0
    lines = out.splitlines()
    assert sorted(lines[:-1]) == ["mine/m1", "mine/m4"] and lines[-1] == "suspended 2 cards"
    store = store_of(mine)
    assert [k for k in MINE if store.state(k).suspended] == ["mine/m1", "mine/m4"]
    rows = cards_json(capsys, "deck:mine is:suspended")
    assert sorted(str(r["key"]) for r in rows) == ["mine/m1", "mine/m4"]
    assert all(r["suspended"] is True for r in rows)
    code, out, _ = run_cli(capsys, "cards", "deck:mine", "--unsuspend")
    lines = out.splitlines()
    assert sorted(lines[:-1]) == ["mine/m1", "mine/m4"]
    assert lines[-1] == f"unsuspended 2 cards ({len(MINE) - 2} unchanged)"
    assert not any(store_of(mine).state(k).suspended for k in MINE)
    assert [e.action for e in log_entries(mine)] == ["suspend"] * 2 + ["unsuspend"] * 2


def test_an_action_touches_only_the_user_named(capsys: Capture, mine: Path) -> None:
    graded(mine, {"mine/m1": [4]})
    files = user_files(mine)
    code, out, _ = run_cli(capsys, "cards", "deck:mine", "--suspend", "--user", "other")
    assert code == 0 and out.splitlines()[-1] == f"suspended {len(MINE)} cards"
    changed = {k: v for k, v in user_files(mine).items() if files.get(k) != v}
    assert changed and all(name.startswith("other/") for name in changed)
    other = UserStore(home_of(mine), "other")
    assert all(other.state(key).suspended for key in MINE)
    assert not any(store_of(mine).state(key).suspended for key in MINE)
    assert [r["suspended"] for r in cards_json(capsys, "deck:mine")] == [False] * len(MINE)


def test_bury_shows_as_buried_in_the_listing(capsys: Capture, mine: Path) -> None:
    first = str(cards_json(capsys, "deck:mine")[0]["key"])
    code, out, _ = run_cli(capsys, "cards", "deck:mine", "--bury", "--limit", "1")
    assert code == 0 and out.splitlines() == [first, "buried 1 card"]
    rows = {str(r["key"]): r for r in cards_json(capsys, "deck:mine")}
    assert [k for k, r in rows.items() if r["buried"]] == [first]
    code, out, _ = run_cli(capsys, "cards", "deck:mine")
    line = next(line for line in out.splitlines() if line.startswith(f"{first} "))
    assert line.split()[2] == "buried"


@pytest.mark.parametrize("action", SCHEDULE_ACTIONS)
def test_a_dry_run_writes_nothing(capsys: Capture, mine: Path, action: str) -> None:
    prepared(mine, action)
    files = user_files(mine)
    code, out, err = run_cli(capsys, "cards", "deck:mine", f"--{action}", "--dry-run")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[-1].startswith("would ")
    code, out, _ = run_cli(capsys, "cards", "deck:mine", f"--{action}", "--dry-run", "--json")
    result = json.loads(out)
    assert result["dry_run"] is True and result["action"] == action
    assert lines[:-1] == result["changed"] and result["changed"]
    assert user_files(mine) == files
    # what it said it would change is what the real run changes
    code, out, _ = run_cli(capsys, "cards", "deck:mine", f"--{action}", "--json")
    assert json.loads(out)["changed"] == result["changed"]


def test_every_action_has_its_closing_words() -> None:
    assert set(DONE) == set(SCHEDULE_ACTIONS)


def test_an_action_on_no_matches_writes_nothing(capsys: Capture, mine: Path) -> None:
    code, out, _ = run_cli(capsys, "cards", "deck:mine zebra-unicorn", "--forget")
    assert code == 0 and out == "forgot 0 cards\n"
    assert not log_entries(mine)


# card KEY


def test_card_shows_text_facts_and_the_whole_history(capsys: Capture, mine: Path) -> None:
    graded(mine, {"mine/m2": [1, 3, 3]})
    run_cli(capsys, "cards", "deck:mine semaphore", "--suspend")
    code, out, err = run_cli(capsys, "card", "mine/m2")
    assert code == 0, err
    assert MINE["mine/m2"] in out and "The answer to m2." in out
    assert "suspended" in out
    history = out[out.index("History") :].splitlines()[2:]
    assert len(history) == len(log_entries(mine)) == 4
    assert [line.split()[3] for line in history[:3]] == ["again", "good", "good"]
    assert history[-1].split()[2] == "suspend"


def test_card_json_is_its_details(capsys: Capture, mine: Path) -> None:
    from flashprep.core.browse.details import card_details

    graded(mine, {"mine/m1": [3, 4]})
    code, out, err = run_cli(capsys, "card", "mine/m1", "--json")
    assert code == 0, err
    data = json.loads(out)
    expected = json.loads(
        json.dumps(
            card_details(DeckLibrary.load(home_of(mine)), store_of(mine), "mine/m1").to_json()
        )
    )
    assert set(data) == set(expected)
    for name, value in expected.items():  # recall is "now": a moment later, a little less
        if isinstance(value, float):
            assert data[name] == pytest.approx(value, rel=1e-3), name
        else:
            assert data[name] == value, name
    assert data["key"] == "mine/m1" and len(data["history"]) == 2


def test_card_shows_linked_stories_and_survives_a_broken_story_file(
    capsys: Capture, mine: Path
) -> None:
    from flashprep.core.interview.stories import Story, StoryBank, save_stories

    path = mine / "home" / "users" / "tester" / "stories.toml"
    story = Story(id="s1", title="The outage", action="Fixed it.", questions=["mine/m1"])
    save_stories(path, StoryBank(stories=[story]))
    code, out, _ = run_cli(capsys, "card", "mine/m1")
    assert code == 0 and re.search(r"^Stories: +The outage$", out, re.M)
    code, out, _ = run_cli(capsys, "card", "mine/m1", "--json")
    assert json.loads(out)["stories"] == ["The outage"]
    broken = '[[stories]]\nid = "a"\ntitle = "A"\ncompetences = []\n'
    path.write_text(broken)
    code, out, err = run_cli(capsys, "card", "mine/m1")
    assert code == 0 and MINE["mine/m1"] in out
    assert err.startswith("flashprep: warning: ") and "stories.toml" in err
    assert err.count("\n") == 1
    assert path.read_text() == broken


def test_card_of_a_new_card_has_no_history(capsys: Capture, mine: Path) -> None:
    code, out, _ = run_cli(capsys, "card", "mine/m4")
    assert code == 0 and "History: none yet" in out


@pytest.mark.parametrize(
    "key", ["mine/nope", "nodeck/m1", "justaword", "mine/", "/m1", "mine/m1/x", "mine/\x1b]2;X\x07"]
)
def test_an_unknown_card_is_one_line_naming_it(capsys: Capture, mine: Path, key: str) -> None:
    for extra in ([], ["--json"]):
        code, out, err = run_cli(capsys, "card", key, *extra)
        assert code == 2 and out == ""
        assert err.startswith("flashprep: error: unknown card ") and err.count("\n") == 1
        assert not acted_on(err)
        assert key.split("\x1b")[0] in err


# untrusted text


def hostile_deck(tmp_path: Path) -> dict[str, str]:
    cards = {f"evil/c{i}": f"Question {i} {payload} end" for i, payload in enumerate(TERMINAL)}
    folder = tmp_path / "home" / "decks"
    folder.mkdir(parents=True, exist_ok=True)
    blocks = [f'id = "evil"\nname = {toml_string("Evil" + TERMINAL[0])}\ncategory = "technical"\n']
    for i, (key, front) in enumerate(cards.items()):
        payload = toml_string(f"Answer line\n{TERMINAL[i]} second line")
        blocks.append(
            f'[[cards]]\nid = "{key.split("/")[1]}"\nfront = {toml_string(front)}\n'
            f"back = {payload}\nhint = {payload}\n"
        )
    (folder / "evil.toml").write_text("\n".join(blocks), encoding="utf-8")
    return cards


def assert_inert(out: str) -> None:
    assert acted_on(out.replace("\n", "")) == []
    assert "PWNED" not in out and "cm0gLXJmIH4K" not in out


@pytest.mark.parametrize("tty", [False, True])
def test_hostile_card_text_comes_out_inert(
    capsys: Capture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tty: bool
) -> None:
    cards = hostile_deck(tmp_path)
    graded(tmp_path, {key: [3] for key in cards})
    monkeypatch.setattr(sys.stdout, "isatty", lambda: tty)
    code, out, err = run_cli(capsys, "cards", "deck:evil")
    assert code == 0, err
    assert_inert(out)
    assert len([line for line in out.splitlines() if line.startswith("evil/")]) == len(cards)
    for key in cards:
        code, out, err = run_cli(capsys, "card", key)
        assert code == 0, err
        assert_inert(out + err)
        assert "Answer line" in out
    code, out, _ = run_cli(capsys, "cards", "deck:evil", "--suspend")
    assert_inert(out)
    assert out.splitlines()[-1] == f"suspended {len(cards)} cards"


def test_hostile_card_text_in_json_is_escaped(capsys: Capture, tmp_path: Path) -> None:
    cards = hostile_deck(tmp_path)
    code, out, _ = run_cli(capsys, "cards", "deck:evil", "--json")
    assert code == 0
    assert acted_on(out.replace("\n", "")) == []
    assert sorted(str(r["key"]) for r in json.loads(out)) == sorted(cards)
    for key in cards:
        code, out, _ = run_cli(capsys, "card", key, "--json")
        assert code == 0
        assert acted_on(out.replace("\n", "")) == []
        assert json.loads(out)["key"] == key


@pytest.mark.parametrize("command", ["cards", "card"])
def test_help_of_the_card_commands(capsys: Capture, command: str) -> None:
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "--json" in out and "--home" in out
    if command == "cards":
        assert all(f"--{action}" in out for action in SCHEDULE_ACTIONS)
        assert all(field in out for field in SORT_FIELDS)


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(st.sampled_from(["a", "\n", '"', "\\", "\x1b", "\x7f", "\u200b", "é", " "])),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text("ab\n", max_size=2), inner, max_size=3)
    ),
    max_leaves=8,
)


@given(items=st.lists(JSON_VALUES, max_size=5))
@budget(200)
def test_a_json_list_printed_an_item_at_a_time_is_the_whole_lists_text(
    items: list[object],
) -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        show_json_list(iter(items))
    assert out.getvalue() == dumps_json(items) + "\n"
