"""Nothing typed is lost to a stray key: each editor or form that would throw work away asks
first, and closes at once when there is nothing to lose."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.widgets import Input, TextArea

from flashprep.tui.app import FlashprepApp
from flashprep.tui.screens.confirm import ConfirmScreen
from flashprep.tui.screens.drill import DrillScreen
from flashprep.tui.screens.edit import EditCardScreen
from flashprep.tui.screens.home import HomeScreen
from flashprep.tui.screens.import_dialog import ImportDialog

MakeApp = Callable[..., FlashprepApp]
SIZE = (80, 24)


@pytest.mark.parametrize("edit", ["x", "\n", " "])  # any change, even a blank one
async def test_the_card_editor_asks_before_dropping_an_edit(make_app: MakeApp, edit: str) -> None:
    app = make_app("drill", ["alpha"])
    async with app.run_test(size=SIZE) as pilot:
        key = app.screen.drill.current  # type: ignore[attr-defined]
        before = app.session.library.card(key)
        await pilot.press("e")
        editor = app.screen
        assert isinstance(editor, EditCardScreen)
        area = editor.query_one(TextArea)
        area.insert(edit)
        await pilot.press("escape")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")  # keep editing: the text is still there
        assert app.screen is editor
        assert area.text.startswith(edit)
        await pilot.press("escape", "y")
        assert isinstance(app.screen, DrillScreen)
        assert app.session.library.card(key) == before  # discarded: nothing saved


async def test_the_card_editor_closes_at_once_when_unchanged(make_app: MakeApp) -> None:
    app = make_app("drill", ["alpha"])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        assert isinstance(app.screen, EditCardScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, DrillScreen)


@pytest.mark.parametrize("typed", ["deck.apkg", "~/Downloads/my deck.csv", "a.md b.md"])
async def test_the_import_dialog_asks_before_dropping_a_typed_path(
    make_app: MakeApp, typed: str
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        dialog = app.screen
        assert isinstance(dialog, ImportDialog)
        dialog.query_one(Input).value = typed
        await pilot.press("escape")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")  # Escape on the question is No
        assert app.screen is dialog
        assert dialog.query_one(Input).value == typed
        await pilot.press("escape", "y")
        assert isinstance(app.screen, HomeScreen)


@pytest.mark.parametrize("typed", ["", "   "])
async def test_the_import_dialog_closes_at_once_with_nothing_typed(
    make_app: MakeApp, typed: str
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        app.screen.query_one(Input).value = typed
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def test_the_import_dialog_closes_at_once_after_trying_the_path(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        dialog = app.screen
        dialog.query_one(Input).value = "no-such-file.apkg"
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("escape")  # the path was tried (an error shown): nothing to lose
        assert isinstance(app.screen, HomeScreen)
