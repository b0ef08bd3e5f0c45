"""The import dialog (`i` on the home screen): a path in, the summary out, the decks refreshed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.widgets import Checkbox, DataTable, Input, Markdown, Static

from flashprep.core.paths import Home
from flashprep.tui.app import FlashprepApp
from flashprep.tui.screens.help import HelpScreen
from flashprep.tui.screens.home import HomeScreen
from flashprep.tui.screens.import_dialog import ImportDialog

from helpers import markdown_text

MakeApp = Callable[..., FlashprepApp]
DATA = Path(__file__).parent.parent / "data" / "anki"


async def submit(app: FlashprepApp, pilot: object, text: str) -> str:
    screen = app.screen
    assert isinstance(screen, ImportDialog)
    screen.query_one(Input).value = text
    await pilot.press("enter")  # type: ignore[attr-defined]
    await app.workers.wait_for_complete()
    await pilot.pause()  # type: ignore[attr-defined]
    return str(screen.query_one("#import-result", Static).content)


async def test_import_from_the_home_screen(make_app: MakeApp, home: Home) -> None:
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        assert app.screen.query_one(DataTable).row_count == 2
        await pilot.press("i")
        assert isinstance(app.screen, ImportDialog)
        assert app.screen.query_one(Input).has_focus
        result = await submit(app, pilot, str(DATA / "small-modern.apkg"))
        assert "Decks: 2 created, 0 updated" in result
        assert "Cards: 8 added, 0 updated, 0 unchanged" in result
        assert (home.decks / "interview-behavioral.toml").is_file()
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)
        table = app.screen.query_one(DataTable)
        assert table.row_count == 4
        title = str(app.screen.query_one("#home-title", Static).content)
        assert "4 decks" in title


async def test_errors_are_shown_and_nothing_is_written(
    make_app: MakeApp, home: Home, tmp_path: Path
) -> None:
    junk = tmp_path / "junk.apkg"
    junk.write_bytes(b"junk")
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("i")
        result = await submit(app, pilot, f"'{junk}'")
        assert result == f"Error: {junk}: not an Anki package: not a zip file, or a damaged one"
        assert app.screen.query_one("#import-result", Static).has_class("error")
        assert app.screen.query_one(Input).has_focus
        result = await submit(app, pilot, "")
        assert result == "Type the path of a file to import."
        assert not home.decks.exists()


async def test_dry_run_changes_nothing(make_app: MakeApp, home: Home) -> None:
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("i")
        app.screen.query_one("#import-dry-run", Checkbox).value = True
        result = await submit(app, pilot, str(DATA / "notes-export.txt"))
        assert result.startswith("Dry run: nothing was written.")
        assert "Cards: 8 added" in result
        await pilot.press("escape")
        assert app.screen.query_one(DataTable).row_count == 2
    assert not home.decks.exists()


async def test_help_explains_the_dialog(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("i", "question_mark")
        assert app.screen.query_one(Input).value == "?"  # typing a path, `?` is a character
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        text = markdown_text(app.screen.query_one(Markdown))
        assert "Import decks" in text
        assert "Dry run" in text


def test_tab_completes_the_path_being_typed(tmp_path: Path) -> None:
    from flashprep.tui.screens.import_dialog import complete_path

    (tmp_path / "decks").mkdir()
    (tmp_path / "decks" / "anki export.apkg").write_bytes(b"")
    (tmp_path / "deck list.csv").write_bytes(b"")
    (tmp_path / "notes.md").write_bytes(b"")
    (tmp_path / ".hidden.md").write_bytes(b"")
    base = f"{tmp_path}/"
    assert complete_path(f"{base}no") == f"{base}notes.md"  # the one match
    assert complete_path(f"{base}decks") == f"{base}decks/"  # a folder gets its slash
    assert complete_path(f"{base}de") == f"{base}deck"  # what the matches share
    assert complete_path(f"{base}deck") == f"{base}deck"  # a space shared: left to the user
    assert complete_path(f"{base}decks/a") == f"'{base}decks/anki export.apkg'"  # quoted
    assert complete_path(f"a.md {base}n") == f"a.md {base}notes.md"  # the last path only
    assert complete_path(f"{base}.h") == f"{base}.hidden.md"  # hidden: only when asked
    assert complete_path(f"{base}") == f"{base}"  # deck, decks/, notes.md share nothing
    for unchanged in (f"{base}zzz", f"{base}nothere/x", f"{base}notes.md/x", f"{base}notes.md"):
        assert complete_path(unchanged) == unchanged


async def test_tab_in_the_path_field_completes_then_moves_on(
    make_app: MakeApp, tmp_path: Path
) -> None:
    (tmp_path / "only-file.csv").write_bytes(b"")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("i")
        field = app.screen.query_one(Input)
        field.value = f"{tmp_path}/only-f"
        field.cursor_position = len(field.value)
        await pilot.press("tab")
        assert field.value == f"{tmp_path}/only-file.csv" and field.has_focus
        await pilot.press("tab")  # nothing left to complete: on to the next field
        assert not field.has_focus
        assert app.screen.query_one("#import-history", Checkbox).has_focus
