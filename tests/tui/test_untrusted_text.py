"""Card and deck text is data: markup, terminal escapes and controls are shown, never obeyed.

Each screen that shows such text is opened on hostile data; `hostile.assert_shown_literally`
checks what reaches the terminal: the markup as typed, controls made visible, no raw escape
character, no click action made from the text.
"""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Static, TextArea

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.paths import Home
from flashprep.core.storage.userstore import UserStore
from flashprep.tui.app import FlashprepApp
from flashprep.tui.screens.drill import DrillScreen
from flashprep.tui.screens.edit import EditCardScreen
from flashprep.tui.screens.help import HelpScreen
from flashprep.tui.screens.home import HomeScreen
from flashprep.tui.widgets.card import CardMarkdown

from helpers import Timer
from hostile import (
    ACTION,
    HOSTILE,
    MARKUP,
    assert_notifications_literal,
    assert_shown_literally,
    notifications,
    toml_string,
)

SIZE = (200, 40)


def hostile_deck(folder: Path) -> Path:
    """A deck whose name, question, answer and hint all hold hostile text."""
    folder.mkdir(parents=True, exist_ok=True)
    text = toml_string(HOSTILE)
    path = folder / "evil.toml"
    path.write_text(
        f'id = "evil"\nname = {text}\ncategory = "technical"\n\n'
        f'[[cards]]\nid = "c1"\nfront = {text}\nback = {text}\nhint = {text}\n',
        encoding="utf-8",
    )
    return path


def hostile_app(home: Home, store: UserStore, start: str = "home") -> FlashprepApp:
    bundled = home.root.parent / "bundled-evil"
    hostile_deck(bundled)
    library = DeckLibrary.load(home, bundled)
    assert "evil" in library.decks
    return FlashprepApp(
        library, store, start=start, deck_ids=["evil"] if start == "drill" else None, timer=Timer()
    )


async def test_drill_shows_question_hint_and_answer_literally(home: Home, store: UserStore) -> None:
    app = hostile_app(home, store, "drill")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, DrillScreen)
        assert_shown_literally(app)  # deck-name line and question
        assert str(screen.query_one("#deck-name", Static).content).startswith(MARKUP)
        await pilot.press("h")
        hint = str(screen.query_one("#hint", Static).content)
        assert MARKUP in hint and ACTION in hint and "\x1b" not in hint
        await pilot.press("space")
        await pilot.pause(0.2)  # the answer is filled in just after the question is drawn
        assert screen.query_one("#back", CardMarkdown).display
        assert_shown_literally(app)
        await pilot.click("#front", offset=(20, 0))  # where "[@click=app.quit]" is drawn
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, DrillScreen)


async def test_home_shows_deck_names_literally(home: Home, store: UserStore) -> None:
    app = hostile_app(home, store)
    async with app.run_test(size=SIZE):
        assert isinstance(app.screen, HomeScreen)
        cell = app.screen.query_one(DataTable).get_row("evil")[1]
        assert "\x1b" not in str(cell) and MARKUP in str(cell)
        assert_shown_literally(app)


async def test_editor_shows_card_text_literally(home: Home, store: UserStore) -> None:
    app = hostile_app(home, store, "drill")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        assert isinstance(app.screen, EditCardScreen)
        text = app.screen.query_one(TextArea).text
        assert "\x1b" not in text and "\\u001b" in text  # TOML escapes, as in the file
        assert_shown_literally(app, (MARKUP, ACTION, "\\u001b[31mred"), forbid=())
        await pilot.press("ctrl+s")  # saved unchanged: the text survives the round trip
        assert isinstance(app.screen, DrillScreen)
        assert app.session.library.card("evil/c1").front == HOSTILE  # type: ignore[union-attr]


async def test_editor_error_is_shown_literally(home: Home, store: UserStore) -> None:
    app = hostile_app(home, store, "drill")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        area = app.screen.query_one(TextArea)
        area.text = area.text + f"\n{toml_string(HOSTILE)} = 1\n"  # an unknown, hostile key
        await pilot.press("ctrl+s")
        error = str(app.screen.query_one("#editor-error", Static).content)
        assert "\x1b" not in error and "Extra inputs" in error
        assert_shown_literally(app, (MARKUP,), forbid=())


async def test_help_over_a_hostile_card_shows_only_help(home: Home, store: UserStore) -> None:
    app = hostile_app(home, store, "drill")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert_shown_literally(app, ("Drill",))


async def test_notifications_about_broken_decks_are_literal(
    home: Home, store: UserStore, tmp_path: Path
) -> None:
    bundled = tmp_path / "bundled-broken"
    bundled.mkdir()
    (bundled / "\x1b[31mevil[b].toml").write_text(f"id = {toml_string(HOSTILE)}\n")
    library = DeckLibrary.load(home, bundled)
    app = FlashprepApp(library, store, timer=Timer())
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        assert any("evil[b].toml" in message for message, _ in notifications(app))
        assert_notifications_literal(app)
        assert_shown_literally(app, ("evil[b].toml",))


async def test_statistics_show_card_and_deck_text_literally(home: Home, store: UserStore) -> None:
    from flashprep.tui.screens.stats import StatsScreen

    store.grade("evil/c1", 1)  # failed once: among the hardest cards, with its question
    app = hostile_app(home, store)
    async with app.run_test(size=(200, 200)) as pilot:  # tall: every panel on screen at once
        await pilot.press("s")
        assert isinstance(app.screen, StatsScreen)
        await app.workers.wait_for_complete()
        await pilot.pause(0.3)
        # the tables cut long text with "…": check what fits, and that no raw control shows
        assert_shown_literally(app, literals=(MARKUP, "bell\\x07", "nul\\x00"))
        assert_notifications_literal(app)
