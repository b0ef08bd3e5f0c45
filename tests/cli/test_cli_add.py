"""`flashprep deck new` and `flashprep add` as people and scripts use them: every option, the
files checked after, and bad input as one line on stderr with exit 2 and nothing written."""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path

import pytest

from flashprep import cli
from flashprep.cli import main
from flashprep.core.decks.deck import load_deck
from flashprep.core.paths import Home


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def data_home() -> Home:
    return Home(Path(os.environ["FLASHPREP_HOME"]))


@pytest.fixture
def mine(capsys: pytest.CaptureFixture[str], data_home: Home) -> Path:
    code, _, err = run_cli(capsys, "deck", "new", "mine", "--name", "Mine", "--category", "general")
    assert (code, err) == (0, "")
    return data_home.decks / "mine.toml"


def with_stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def deck_files(home: Home) -> dict[str, bytes]:
    if not home.decks.is_dir():
        return {}
    return {p.name: p.read_bytes() for p in home.decks.glob("*.toml")}


# --- deck new -----------------------------------------------------------------------------------


def test_deck_new_makes_an_own_deck_that_decks_lists(
    capsys: pytest.CaptureFixture[str], data_home: Home
) -> None:
    code, out, err = run_cli(
        capsys,
        "deck",
        "new",
        "my-sql",
        "--name",
        "My SQL questions",
        "--category",
        "technical",
        "--description",
        "Asked at Acme.",
    )
    assert (code, err) == (0, "")
    path = data_home.decks / "my-sql.toml"
    assert out.splitlines()[0] == f"Made deck my-sql (My SQL questions, technical): {path}"
    assert "flashprep add --deck my-sql" in out
    deck = load_deck(path)
    assert (deck.id, deck.name, deck.category, deck.description, deck.source, deck.cards) == (
        "my-sql",
        "My SQL questions",
        "technical",
        "Asked at Acme.",
        "own",
        [],
    )
    code, out, _ = run_cli(capsys, "decks", "--json")
    rows = {r["id"]: r for r in json.loads(out)}
    assert code == 0 and rows["my-sql"]["source"] == "own" and rows["my-sql"]["cards"] == 0
    assert {r["source"] for r in rows.values() if r["id"] != "my-sql"} == {"bundled"}
    _, out, _ = run_cli(capsys, "decks")
    (line,) = [row for row in out.splitlines() if row.startswith("my-sql ")]
    assert line.split()[1:5] == ["My", "SQL", "questions", "technical"]  # ID, NAME, CATEGORY
    assert line.split()[5] == "own"


def test_deck_new_json(capsys: pytest.CaptureFixture[str], data_home: Home) -> None:
    code, out, _ = run_cli(
        capsys, "deck", "new", "b", "--name", "B", "--category", "behavioral", "--json"
    )
    assert code == 0
    assert json.loads(out) == {
        "id": "b",
        "name": "B",
        "category": "behavioral",
        "description": "",
        "source": "own",
        "path": str(data_home.decks / "b.toml"),
    }
    assert load_deck(data_home.decks / "b.toml").source == "own"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["Bad", "--name", "N", "--category", "general"], "'Bad' is not a deck id"),
        (["a b", "--name", "N", "--category", "general"], "'a b' is not a deck id"),
        (["../x", "--name", "N", "--category", "general"], "'../x' is not a deck id"),
        (["python", "--name", "N", "--category", "general"], "deck id 'python' is already used by"),
        (["mine", "--name", "N", "--category", "general"], "deck id 'mine' is already used by"),
        (["x", "--name", "", "--category", "general"], "--name: must not be blank"),
        (["x", "--name", "a\nb", "--category", "general"], "--name: must be one line"),
        (["x", "--name", "N", "--category", "tech"], "--category: 'tech' is not one of"),
        (["x", "--name", "N", "--category", "Behavioral"], "--category: 'Behavioral'"),
    ],
)
def test_deck_new_refuses_bad_input_in_one_line(
    capsys: pytest.CaptureFixture[str], data_home: Home, mine: Path, argv: list[str], message: str
) -> None:
    before = deck_files(data_home)
    code, out, err = run_cli(capsys, "deck", "new", *argv)
    assert (code, out) == (2, "")
    assert err.startswith("flashprep: error: ") and err.count("\n") == 1
    assert message in err
    assert deck_files(data_home) == before


@pytest.mark.parametrize(
    "argv",
    [
        ["deck"],
        ["deck", "new"],
        ["deck", "new", "x", "--category", "general"],
        ["deck", "new", "x", "--name", "N"],
        ["deck", "delete", "x"],
    ],
)
def test_deck_with_missing_arguments_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], data_home: Home, argv: list[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    assert "error:" in capsys.readouterr().err
    assert deck_files(data_home) == {}


# --- add ------------------------------------------------------------------------------------------


def test_add_with_every_option_writes_the_card(
    capsys: pytest.CaptureFixture[str], mine: Path
) -> None:
    code, out, err = run_cli(
        capsys,
        "add",
        "--deck",
        "mine",
        "--front",
        "What is idempotency?",
        "--back",
        "Same effect **twice**.",
        "--tag",
        "api",
        "--tag",
        "http",
        "--level",
        "mid",
        "--hint",
        "Retries",
        "--target-seconds",
        "45",
    )
    assert (code, err, out) == (0, "", "mine/what-is-idempotency\n")
    (card,) = load_deck(mine).cards
    assert card.model_dump(exclude_none=True) == {
        "id": "what-is-idempotency",
        "front": "What is idempotency?",
        "back": "Same effect **twice**.",
        "tags": ["api", "http"],
        "level": "mid",
        "hint": "Retries",
        "target_seconds": 45,
    }
    _, out, _ = run_cli(capsys, "decks", "--json")
    row = next(r for r in json.loads(out) if r["id"] == "mine")
    assert (row["cards"], row["new"], row["source"]) == (1, 1, "own")


def test_add_json_prints_the_key_of_the_card_written(
    capsys: pytest.CaptureFixture[str], mine: Path
) -> None:
    for n, expected in ((1, "mine/q"), (2, "mine/q-2")):
        code, out, _ = run_cli(
            capsys, "add", "--deck", "mine", "--front", "Q" + "?" * n, "--back", "A", "--json"
        )
        assert code == 0 and json.loads(out) == {"key": expected}
    assert [c.id for c in load_deck(mine).cards] == ["q", "q-2"]


@pytest.mark.parametrize("side", ["--front", "--back"])
def test_a_dash_reads_the_text_from_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, mine: Path, side: str
) -> None:
    text = "Line one\r\n\n```python\nprint('é')\n```\n"
    with_stdin(monkeypatch, text.encode())
    other = "--back" if side == "--front" else "--front"
    code, out, err = run_cli(capsys, "add", "--deck", "mine", side, "-", other, "Typed")
    assert (code, err) == (0, "")
    (card,) = load_deck(mine).cards
    read = card.front if side == "--front" else card.back
    assert read == "Line one\n\n```python\nprint('é')\n```"
    assert out.strip() == f"mine/{card.id}"


def test_imported_decks_take_cards_too(capsys: pytest.CaptureFixture[str], data_home: Home) -> None:
    data_home.decks.mkdir(parents=True)
    path = data_home.decks / "demo.toml"
    path.write_text('id = "demo"\nname = "Demo"\ncategory = "general"\n')
    code, out, _ = run_cli(capsys, "add", "--deck", "demo", "--front", "Q", "--back", "A")
    assert (code, out) == (0, "demo/q\n")
    assert [c.front for c in load_deck(path).cards] == ["Q"]
    assert load_deck(path).source is None


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--deck", "nope"], "--deck: unknown deck 'nope' (your decks: mine;"),
        (["--deck", "python"], "--deck: 'python' (Python) is a bundled deck"),
        (["--front", ""], "--front: must not be blank"),
        (["--front", " \n "], "--front: must not be blank"),
        (["--back", "\t"], "--back: must not be blank"),
        (["--front", "Kept?"], "--front: deck 'mine' already has this question (card 'kept')"),
        (["--front", "  KEPT? "], "--front: deck 'mine' already has this question"),
        (["--tag", "ok", "--tag", "not ok"], "--tag: 'not ok' is not a tag"),
        (["--tag", "nul\x01"], "--tag: "),
        (["--level", "guru"], "--level: 'guru' is not one of junior, mid, senior"),
        (["--level", ""], "--level: '' is not one of"),
        (["--target-seconds", "4"], "--target-seconds: 4 is not 5 to 3600 seconds"),
        (["--target-seconds", "3601"], "--target-seconds: 3601 is not 5 to 3600"),
        (["--target-seconds", "ten"], "--target-seconds: 'ten' is not a whole number"),
        (["--target-seconds", "1.5"], "--target-seconds: '1.5' is not a whole number"),
        (["--front", "-", "--back", "-"], "--front and --back cannot both read standard input"),
    ],
)
def test_add_refuses_bad_input_in_one_line_and_writes_nothing(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    data_home: Home,
    mine: Path,
    argv: list[str],
    message: str,
) -> None:
    assert run_cli(capsys, "add", "--deck", "mine", "--front", "Kept?", "--back", "A")[0] == 0
    with_stdin(monkeypatch, b"from stdin")
    before = deck_files(data_home)
    given = {"--deck": "mine", "--front": "Q", "--back": "A"}
    extra: list[str] = []
    for option, value in zip(argv[::2], argv[1::2], strict=True):
        if option in given:
            given[option] = value
        else:
            extra += [option, value]
    flat = [a for option, value in given.items() for a in (option, value)]
    code, out, err = run_cli(capsys, "add", *flat, *extra)
    assert (code, out) == (2, "")
    assert err.startswith("flashprep: error: ") and err.count("\n") == 1, err
    assert message in err
    assert deck_files(data_home) == before


def test_stdin_that_is_not_utf8_is_refused(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, mine: Path
) -> None:
    before = mine.read_bytes()
    with_stdin(monkeypatch, b"caf\xe9 \xff")
    code, out, err = run_cli(capsys, "add", "--deck", "mine", "--front", "Q", "--back", "-")
    assert (code, out) == (2, "")
    assert err == "flashprep: error: --back: standard input is not UTF-8 text\n"
    assert mine.read_bytes() == before


@pytest.mark.parametrize(
    "argv",
    [
        ["add"],
        ["add", "--deck", "mine", "--front", "Q"],
        ["add", "--deck", "mine", "--back", "A"],
        ["add", "--front", "Q", "--back", "A"],
        ["add", "--deck", "mine", "--front", "Q", "--back", "A", "--bogus"],
    ],
)
def test_add_without_its_required_options_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], mine: Path, argv: list[str]
) -> None:
    before = mine.read_bytes()
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    assert "error:" in capsys.readouterr().err
    assert mine.read_bytes() == before


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (["add"], ["--deck", "--front", "--back", "--tag", "--level", "--hint", "--json"]),
        (["add"], ["--target-seconds", "standard input", "deck new"]),
        (["deck"], ["new", "--home"]),
        (["deck", "new"], ["--name", "--category", "--description", "system-design"]),
    ],
)
def test_help_texts(
    capsys: pytest.CaptureFixture[str], command: list[str], expected: list[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main([*command, "--help"])
    assert info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for word in expected:
        assert word in text


def test_the_commands_are_listed_after_import() -> None:
    names = list(cli.COMMANDS)
    assert names[names.index("import") + 1 : names.index("import") + 3] == ["add", "deck"]
