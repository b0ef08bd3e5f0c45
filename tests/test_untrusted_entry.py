"""File text is cleaned where it enters (deck names and descriptions, stories) and on every way
out (the commands' lines and JSON, the import summary, the TUI's plain widgets), for each kind
of sequence in hostile.TERMINAL. tests/test_terminal_escapes.py checks the same end to end in a
real terminal; these are the fast, in-process checks of each wall.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.text import Text
from textual.content import Content

from flashprep.cli import main
from flashprep.core.decks.deck import parse_deck
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.importers.apply import DeckChange, ImportSummary
from flashprep.core.interview.stories import parse_stories
from flashprep.core.paths import Home
from flashprep.tui.widgets.plain import PlainStatic, cleaned, plain, plain_content

from hostile import TERMINAL, acted_on, toml_string


def hostile(payload: str) -> str:
    return f"Evil{payload}deck"


def shows_nothing_of(text: str) -> None:
    assert not acted_on(text), repr(text)
    assert "\x1b" not in text and "PWNED" not in text, repr(text)


def deck_file(folder: Path, payload: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "evil.toml"
    name, text = toml_string(hostile(payload)), toml_string(f"line one{payload}\nline two")
    path.write_text(
        f'id = "evil"\nname = {name}\ncategory = "technical"\ndescription = {text}\n\n'
        f'[[cards]]\nid = "c1"\nfront = "Q"\nback = "A"\n',
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("payload", TERMINAL)
def test_deck_name_and_description_are_clean_from_file_and_from_cache(
    home: Home, tmp_path: Path, payload: str
) -> None:
    path = deck_file(tmp_path / "bundled", payload)
    deck = parse_deck(path.read_bytes(), path)
    shows_nothing_of(deck.name)
    assert deck.name.startswith("Evil")  # an unterminated OSC takes the rest of the line
    shows_nothing_of(deck.description)
    assert "\n" in deck.description  # a description keeps its lines
    for _ in range(2):  # the first load writes the index, the second reads it
        loaded = DeckLibrary.load(home, tmp_path / "bundled").decks["evil"]
        assert loaded.name == deck.name
        shows_nothing_of(loaded.name + loaded.index.description)
        assert loaded.deck.name == deck.name  # the model built from the index


@pytest.mark.parametrize("payload", TERMINAL)
def test_story_fields_are_clean(payload: str) -> None:
    raw = (
        f"format = 1\n\n[[stories]]\nid = 's1'\ntitle = {toml_string(hostile(payload))}\n"
        f"situation = {toml_string(f'first{payload}' + chr(10) + 'second')}\n"
    )
    story = parse_stories(raw.encode(), "stories.toml").stories[0]
    shows_nothing_of(story.title)
    assert "\n" not in story.title
    shows_nothing_of(story.situation)
    assert story.situation.endswith("\nsecond")


@pytest.mark.parametrize("payload", TERMINAL)
def test_import_summary_lines_are_clean(payload: str) -> None:
    summary = ImportSummary(
        sources=[f"file{payload}.md: Markdown"],
        decks=[DeckChange("evil", hostile(payload), True, added=1)],
        warnings=[f"x.apkg: 1 media file(s) ...: a{payload}.png", f"two\nlines{payload}"],
    )
    lines = summary.lines()
    for line in lines:
        shows_nothing_of(line)
        assert "\n" not in line
    assert any("(Evil" in line for line in lines)


@pytest.mark.parametrize("payload", TERMINAL)
def test_the_tui_plain_widgets_clean_what_they_are_given(payload: str) -> None:
    text = hostile(payload)
    for given in (text, Text(text), Content(text)):
        shown = cleaned(given)
        assert isinstance(shown, str | Text | Content)
        shows_nothing_of(shown if isinstance(shown, str) else shown.plain)
    shows_nothing_of(plain(text).plain)
    shows_nothing_of(plain_content(text).plain)
    styled = Text("clean", style="bold")
    assert cleaned(styled) is styled  # clean styled text keeps its styles
    widget = PlainStatic(text)
    shows_nothing_of(str(widget.content))
    widget.update(f"again{payload}")
    shows_nothing_of(str(widget.content))


@pytest.mark.parametrize("payload", TERMINAL)
def test_commands_print_nothing_a_terminal_acts_on(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, payload: str
) -> None:
    source = tmp_path / f"in{payload}.md"
    source.write_text(
        f"# {hostile(payload)}\n\n## Question{payload}?\n\nAnswer{payload}\n\n## No answer\n",
        encoding="utf-8",
    )
    home = Home(tmp_path / "home")
    home.user_dir("tester").mkdir(parents=True, exist_ok=True)
    (home.user_dir("tester") / "stories.toml").write_text(
        f"format = 1\n\n[[stories]]\nid = 's1'\ntitle = {toml_string(hostile(payload))}\n",
        encoding="utf-8",
    )
    assert main(["import", str(source)]) == 0
    out, err = capsys.readouterr()
    shows_nothing_of(out + err)
    assert "Warning: in" in out and "(Evil" in out
    for args in (["decks"], ["stories"], ["plan"], ["mock", "--history"]):
        assert main(args) == 0
        out, err = capsys.readouterr()
        shows_nothing_of(out + err)
    for args in (["decks", "--json"], ["stories", "--json"], ["import", "--dry-run", "--json"]):
        extra = [str(source)] if args[0] == "import" else []
        assert main(args + extra) == 0
        out, err = capsys.readouterr()
        assert not acted_on(out + err), repr(out)
        json.loads(out)
