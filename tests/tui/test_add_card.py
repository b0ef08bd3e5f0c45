"""The Add form and the new-deck form: cards reach the deck file, bad input stays inline."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Input, Select, TextArea

from flashprep.core.decks.deck import load_deck
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.decks.owndecks import new_deck
from flashprep.tui.app import FlashprepApp
from flashprep.tui.screens.add_card import NEW_DECK, AddCardScreen
from flashprep.tui.screens.confirm import ConfirmScreen
from flashprep.tui.screens.home import HomeScreen
from flashprep.tui.screens.new_deck import NewDeckScreen, suggest_deck_id
from flashprep.tui.widgets.card import CardMarkdown

from helpers import markdown_text

MakeApp = Callable[..., FlashprepApp]
SIZE = (100, 32)


@pytest.fixture
def own_deck(library: DeckLibrary) -> Path:
    return new_deck(library, "mine", "My questions", "technical").path


def toasts(app: FlashprepApp, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the app shows as notifications, from now on."""
    shown: list[str] = []
    notify = app.notify

    def record(message: str, *args: Any, **kwargs: Any) -> None:
        shown.append(message)
        notify(message, *args, **kwargs)

    monkeypatch.setattr(app, "notify", record)
    return shown


async def open_form(app: FlashprepApp, pilot: Any) -> AddCardScreen:
    await pilot.press("n")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, AddCardScreen)
    return screen


def fill(screen: AddCardScreen, **fields: str) -> None:
    for name, value in fields.items():
        widget = screen.query_one(f"#add-{name}")
        if isinstance(widget, TextArea):
            widget.text = value
        else:
            assert isinstance(widget, Input)
            widget.value = value


def error_text(screen: Any, selector: str = "#add-error") -> str:
    return str(screen.query_one(selector).content)


async def test_a_card_typed_in_is_added_and_the_form_clears_keeping_deck_tags_level(
    make_app: MakeApp, own_deck: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    shown = toasts(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_form(app, pilot)
        assert screen.query_one("#add-deck", Select).value == "mine"  # the only own deck
        await pilot.press(*"What is [b]idempotent[/b]?")  # the question has the focus
        await pilot.press("tab", *"Same *result* twice.", "tab")
        screen.query_one("#add-level", Select).value = "senior"
        fill(screen, tags="http, api", target="45", hint="Think of PUT")
        await pilot.press("ctrl+s")
        await pilot.pause()
        deck = load_deck(own_deck)
        assert [
            (c.front, c.back, c.tags, c.level, c.target_seconds, c.hint) for c in deck.cards
        ] == [
            (
                "What is [b]idempotent[/b]?",
                "Same *result* twice.",
                ["http", "api"],
                "senior",
                45,
                "Think of PUT",
            ),
        ]
        key = f"mine/{deck.cards[0].id}"
        assert shown[-1] == f"Added {key} (1 card added this time)."
        assert screen.query_one("#add-front", TextArea).text == ""
        assert screen.query_one("#add-back", TextArea).text == ""
        assert screen.query_one("#add-hint", Input).value == ""
        assert screen.query_one("#add-target", Input).value == ""
        assert screen.query_one("#add-deck", Select).value == "mine"
        assert screen.query_one("#add-tags", Input).value == "http, api"
        assert screen.query_one("#add-level", Select).value == "senior"
        assert app.focused is screen.query_one("#add-front", TextArea)

        fill(screen, front="What is a safe method?", back="One that changes nothing.")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert len(load_deck(own_deck).cards) == 2
        assert shown[-1].endswith("(2 cards added this time).")
        assert app.session.library.card(key) is not None  # the library sees the new cards
        await pilot.press("escape")  # nothing unsaved (the kept tags are not)
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"front": "What is a closure?"}, "Question: deck 'mine' already has this question"),
        ({"front": "  what IS a   closure? "}, "Question: deck 'mine' already has this"),
        ({"front": "   "}, "Question: must not be blank"),
        ({"back": ""}, "Answer: must not be blank"),
        ({"tags": "ok bad\x07tag"}, "Tags: 'bad\\x07tag' is not a tag"),
        ({"target": "soon"}, "Target time: 'soon' is not a whole number"),
        ({"target": "3"}, "Target time: 3 is not 5 to 3600 seconds"),
        ({"target": "99999"}, "Target time: 99999 is not"),
    ],
)
async def test_bad_input_is_an_inline_error_and_nothing_is_written(
    make_app: MakeApp, own_deck: Path, fields: dict[str, str], expected: str
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_form(app, pilot)
        fill(screen, front="What is a closure?", back="A function with its scope.")
        await pilot.press("ctrl+s")
        await pilot.pause()
        before = own_deck.read_bytes()
        fill(screen, **{"front": "Another question?", "back": "Another answer.", **fields})
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert expected in error_text(screen)
        label = expected.split(":")[0]
        named = {"Question": "front", "Answer": "back", "Tags": "tags", "Target time": "target"}
        assert app.focused is screen.query_one(f"#add-{named[label]}")  # where to fix it
        assert own_deck.read_bytes() == before
        assert isinstance(app.screen, AddCardScreen)
        assert screen.query_one("#add-back", TextArea).text == fields.get("back", "Another answer.")


async def test_bundled_decks_take_no_cards_and_new_deck_is_offered(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_form(app, pilot)  # the highlighted deck is a bundled one
        select = screen.query_one("#add-deck", Select)
        assert [value for _, value in select._options if value != Select.NULL] == [NEW_DECK]
        assert "New deck" in error_text(screen)
        fill(screen, front="Q?", back="A.")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Deck: choose a deck" in error_text(screen)
        assert not list(app.session.library.home.decks.glob("*.toml"))


async def test_a_new_deck_made_from_the_form_is_chosen_and_takes_the_card(
    make_app: MakeApp, library: DeckLibrary
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_form(app, pilot)
        screen.query_one("#add-deck", Select).value = NEW_DECK
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, NewDeckScreen)
        await pilot.press(*"Payments: Team Q&A")
        assert dialog.query_one("#new-deck-id", Input).value == "payments-team-q-a"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen
        assert screen.query_one("#add-deck", Select).value == "payments-team-q-a"
        made = library.get("payments-team-q-a")
        assert made is not None and made.source == "own" and made.name == "Payments: Team Q&A"
        fill(screen, front="Who owns refunds?", back="The payments team.")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert [c.front for c in load_deck(made.path).cards] == ["Who owns refunds?"]


async def test_new_deck_errors_are_inline_and_cancel_restores_the_deck(
    make_app: MakeApp, library: DeckLibrary, own_deck: Path
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_form(app, pilot)
        await pilot.press("ctrl+n")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, NewDeckScreen)
        for deck_id, problem in [
            ("alpha", "already used"),
            ("mine", "already used"),
            ("Bad Id", "not a deck id"),
        ]:
            fill_dialog(dialog, name="Something", deck_id=deck_id)
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert problem in error_text(dialog, "#new-deck-error")
            assert app.screen is dialog
        fill_dialog(dialog, name="", deck_id="fresh")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert error_text(dialog, "#new-deck-error") == "Name: must not be blank"
        assert dialog.focused is dialog.query_one("#new-deck-name")
        assert sorted(p.name for p in library.home.decks.glob("*.toml")) == ["mine.toml"]
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        assert screen.query_one("#add-deck", Select).value == "mine"


def fill_dialog(dialog: NewDeckScreen, name: str, deck_id: str) -> None:
    dialog.query_one("#new-deck-name", Input).value = name
    dialog.query_one("#new-deck-id", Input).value = deck_id


@pytest.mark.parametrize(
    ("name", "taken", "expected"),
    [
        ("Go & Rust — basics", set(), "go-rust-basics"),
        ("Café crème", set(), "cafe-creme"),
        ("alpha", {"alpha"}, "alpha-2"),
        ("alpha", {"alpha", "alpha-2"}, "alpha-3"),
        ("!!!", set(), ""),
    ],
)
def test_deck_ids_are_suggested_from_the_name(name: str, taken: set[str], expected: str) -> None:
    assert suggest_deck_id(name, taken) == expected


async def test_the_preview_key_shows_the_rendered_answer_and_back(
    make_app: MakeApp, own_deck: Path
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_form(app, pilot)
        fill(screen, back="**Four.** Brackets like [b]this[/b] stay text.")
        back = screen.query_one("#add-back", TextArea)
        box = screen.query_one("#add-preview-box")
        assert back.display and not box.display
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert box.display and not back.display
        shown = markdown_text(screen.query_one("#add-preview", CardMarkdown))
        assert "Four." in shown and "[b]this[/b]" in shown and "**" not in shown
        fill(screen, back="Now *changed*")  # the preview follows the text
        await pilot.pause()
        assert "Now changed" in markdown_text(screen.query_one("#add-preview", CardMarkdown))
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert back.display and not box.display


@pytest.mark.parametrize("field", ["front", "back", "hint", "target", "tags"])
async def test_escape_with_unsaved_text_asks_first(
    make_app: MakeApp, own_deck: Path, field: str
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_form(app, pilot)
        fill(screen, **{field: "12"})
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("escape", "y")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
    assert load_deck(own_deck).cards == []


async def test_escape_on_an_empty_form_leaves_at_once(make_app: MakeApp, own_deck: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_form(app, pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)


@pytest.mark.parametrize(
    ("typed", "completed"),
    [
        ("alg", "algorithms"),
        ("ALG", "ALGorithms"),
        ("math, net", "math, networking"),
        ("x conf", "x conflict"),  # a tag of another deck (beta)
    ],
)
async def test_tags_complete_from_the_tags_in_use(
    make_app: MakeApp, own_deck: Path, typed: str, completed: str
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_form(app, pilot)
        tags = screen.query_one("#add-tags", Input)
        tags.focus()
        await pilot.press(*typed)
        await pilot.pause()
        assert tags._suggestion == completed
        await pilot.press("right")  # accepts it
        assert tags.value == completed


async def test_a_tag_added_with_a_card_completes_next(make_app: MakeApp, own_deck: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_form(app, pilot)
        fill(screen, front="Q one?", back="A.", tags="zebrafish")
        await pilot.press("ctrl+s")
        await pilot.pause()
        tags = screen.query_one("#add-tags", Input)
        tags.value = ""
        tags.focus()
        await pilot.press(*"zeb")
        await pilot.pause()
        assert tags._suggestion == "zebrafish"


EDITOR = """
import sys
seen, replacement, path = sys.argv[1:4]
open(seen, "w").write(open(path).read())
open(path, "w").write(replacement.replace("\\\\n", "\\n"))
"""


@contextlib.contextmanager
def _no_suspend() -> Iterator[None]:  # a headless test terminal cannot be suspended
    yield


async def test_ctrl_o_writes_the_card_in_the_editor_and_fills_the_form(
    make_app: MakeApp, own_deck: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script, seen = tmp_path / "editor.py", tmp_path / "seen.toml"
    script.write_text(EDITOR)
    edited = 'front = "What is [2]?"\\nback = "Two."\\ntags = ["math"]\\nlevel = "mid"\\n'
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script} {seen} '{edited}'")
    app = make_app()
    monkeypatch.setattr(app, "suspend", _no_suspend)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_form(app, pilot)
        fill(screen, front="Draft question", tags="draft")
        await pilot.press("ctrl+o")
        await pilot.pause()
        written = seen.read_text()
        assert 'front = "Draft question"' in written and "id =" not in written
        assert screen.query_one("#add-front", TextArea).text == "What is [2]?"
        assert screen.query_one("#add-back", TextArea).text == "Two."
        assert screen.query_one("#add-tags", Input).value == "math"
        assert screen.query_one("#add-level", Select).value == "mid"
        assert load_deck(own_deck).cards == []  # filled, not saved
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert [c.front for c in load_deck(own_deck).cards] == ["What is [2]?"]


async def test_an_editor_text_that_does_not_validate_is_kept_and_nothing_changes(
    make_app: MakeApp, own_deck: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script, seen = tmp_path / "editor.py", tmp_path / "seen.toml"
    script.write_text(EDITOR)
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script} {seen} 'front = \"Q\"\\nlevel = 3'")
    app = make_app()
    monkeypatch.setattr(app, "suspend", _no_suspend)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_form(app, pilot)
        fill(screen, front="Kept question")
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert "ctrl+o reopens your text" in error_text(screen)
        assert screen.query_one("#add-front", TextArea).text == "Kept question"
        assert screen.pending is not None and "level = 3" in screen.pending
    assert load_deck(own_deck).cards == []


async def test_the_form_opens_on_the_deck_given_else_the_last_used(
    make_app: MakeApp, library: DeckLibrary
) -> None:
    one = new_deck(library, "one", "One", "technical").path
    new_deck(library, "two", "Two", "general")
    os.utime(one, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))  # written last
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        for given, opened in [(None, "one"), ("two", "two"), ("alpha", "one"), ("gone", "one")]:
            screen = AddCardScreen(app.session, given)
            await app.push_screen(screen)
            await pilot.pause()
            assert screen.query_one("#add-deck", Select).value == opened, given
            await pilot.press("escape")
            await pilot.pause()
        table = app.screen.query_one(DataTable)
        table.move_cursor(row=[d.id for d in library].index("two"))
        screen = await open_form(app, pilot)  # n: the highlighted deck
        assert screen.query_one("#add-deck", Select).value == "two"


async def test_deck_names_in_the_deck_choice_are_text_not_markup(
    make_app: MakeApp, library: DeckLibrary
) -> None:
    new_deck(library, "odd", "[b]Bold[/b] [link=x]deck[/link]", "technical")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_form(app, pilot)
        shown = screen.query_one("#add-deck", Select).query_one("SelectCurrent Static")
        assert "[b]Bold[/b] [link=x]deck[/link]" in str(shown.render())


async def test_the_new_deck_takes_the_chosen_category_and_description(
    make_app: MakeApp, library: DeckLibrary
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_form(app, pilot)
        await pilot.press("ctrl+n")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, NewDeckScreen)
        await pilot.press(*"Stories")
        deck_id = dialog.query_one("#new-deck-id", Input)
        assert deck_id.value == "stories"
        await pilot.press("tab", "ctrl+u", *"my-stories", "shift+tab", "end", *" bank")
        assert deck_id.value == "my-stories"  # the name no longer changes an id typed by hand
        dialog.query_one("#new-deck-category", Select).value = "behavioral"
        dialog.query_one("#new-deck-description", Input).value = "Told in [b]STAR[/b] form"
        await pilot.press("ctrl+s")
        await pilot.pause()
        made = library.get("my-stories")
        assert made is not None
        assert (made.name, made.category, made.source) == ("Stories bank", "behavioral", "own")
        assert made.deck.description == "Told in [b]STAR[/b] form"
