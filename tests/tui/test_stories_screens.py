"""Stories as a person uses them: the form, the list, $EDITOR, coverage, and the panel in drills."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, SelectionList, Static, TextArea

from flashprep.core.interview.stories import Story, StoryBank, load_stories, save_stories
from flashprep.core.storage.userstore import UserStore
from flashprep.tui.app import FlashprepApp
from flashprep.tui.screens.confirm import ConfirmScreen
from flashprep.tui.screens.coverage import CoverageScreen
from flashprep.tui.screens.drill import DrillScreen
from flashprep.tui.screens.link_story import LinkStoryScreen
from flashprep.tui.screens.stories import StoriesScreen
from flashprep.tui.screens.story_form import StoryFormScreen
from flashprep.tui.widgets.card import StatusLine
from flashprep.tui.widgets.story_panel import StoryPanel

from helpers import Timer

MakeApp = Callable[..., FlashprepApp]
SIZE = (100, 40)

STORY = Story(
    id="migration",
    title="The [b]big[/b] migration",
    situation="Old system.",
    action="Planned it.",
    result="Done on time.",
    competencies=["perseverance"],
    questions=["beta/b1"],
)


def stories_of(store: UserStore) -> StoryBank:
    return load_stories(store.folder / "stories.toml")


async def test_story_form_writes_a_story_with_multi_line_fields_and_links(
    make_app: MakeApp, store: UserStore
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        assert isinstance(app.screen, StoriesScreen)
        await pilot.press("n")
        form = app.screen
        assert isinstance(form, StoryFormScreen)
        await pilot.press(*"Led it")  # the title field has focus
        await pilot.press("tab", *"Line one", "enter", *"line two")  # situation: Enter is a newline
        form.query_one("#competencies", Input).value = "conflict, growth conflict"
        questions = form.query_one("#questions", SelectionList)
        questions.focus()
        await pilot.press("space")  # marks the first behavioral question
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, StoriesScreen)
        bank = stories_of(store)
        assert [s.id for s in bank.stories] == ["led-it"]
        story = bank.stories[0]
        assert story.title == "Led it"
        assert story.situation == "Line one\nline two"
        assert story.competencies == ["conflict", "growth"]
        assert story.questions == ["beta/b1"]
        table = app.screen.query_one(DataTable)
        assert table.row_count == 1
        assert store.states == {}  # stories never touch the schedule


async def test_story_form_reports_the_field_and_asks_before_discarding(
    make_app: MakeApp, store: UserStore
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b", "n", "ctrl+s")  # no title
        form = app.screen
        assert isinstance(form, StoryFormScreen)
        assert "field 'title'" in str(form.query_one("#form-error", Static).content)
        form.query_one("#task", TextArea).text = "something"
        await pilot.press("escape")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")  # keep editing
        assert app.screen is form
        await pilot.press("escape", "y")
        assert isinstance(app.screen, StoriesScreen)
        assert not (store.folder / "stories.toml").exists()


async def test_editing_keeps_the_id_and_deleting_asks_first(
    make_app: MakeApp, store: UserStore
) -> None:
    save_stories(store.folder / "stories.toml", StoryBank(stories=[STORY]))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        detail = str(app.screen.query_one("#story-detail", Static).content)
        assert "The [b]big[/b] migration" in detail and "Old system." in detail
        await pilot.press("enter")
        form = app.screen
        assert isinstance(form, StoryFormScreen)
        assert form.query_one("#title", Input).value == STORY.title
        form.query_one("#title", Input).value = "The migration"
        await pilot.press("ctrl+s")
        assert [(s.id, s.title) for s in stories_of(store).stories] == [
            ("migration", "The migration")
        ]
        assert stories_of(store).stories[0].questions == ["beta/b1"]
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert len(stories_of(store).stories) == 1
        await pilot.press("d", "y")
        assert stories_of(store).stories == []


async def test_editing_in_editor_saves_a_valid_story_and_keeps_an_invalid_one(
    make_app: MakeApp, store: UserStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    save_stories(store.folder / "stories.toml", StoryBank(stories=[STORY]))
    monkeypatch.setenv("EDITOR", "fake-editor")
    edits = iter(
        [
            lambda text: text.replace("Done on time.", "Shipped early."),
            lambda text: text.replace("result =", "reslut ="),
            lambda text: text.replace("reslut =", "result ="),
        ]
    )
    seen: list[str] = []

    def fake_editor(app: object, editor: str, text: str, prefix: str, folder: Path) -> str:
        assert folder == store.folder / "cache"  # the user's own folder, not the system's
        seen.append(text)
        return next(edits)(text)

    monkeypatch.setattr("flashprep.tui.screens.story_form.edit_in_editor", fake_editor)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b", "e")
        await pilot.pause()
        assert isinstance(app.screen, StoriesScreen)  # a valid edit is saved at once
        assert stories_of(store).stories[0].result == "Shipped early."
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, StoryFormScreen)  # an invalid edit stays, with the error
        assert "field 'reslut'" in str(form.query_one("#form-error", Static).content)
        assert stories_of(store).stories[0].result == "Shipped early."
        await pilot.press("ctrl+o")  # reopens the user's text, not the form's
        await pilot.pause()
        assert "reslut" in seen[-1]
        assert isinstance(app.screen, StoriesScreen)
        assert stories_of(store).stories[0].result == "Shipped early."


async def test_coverage_shows_the_grid_and_links_unanswered_questions(
    make_app: MakeApp, store: UserStore
) -> None:
    save_stories(store.folder / "stories.toml", StoryBank(stories=[STORY]))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b", "c")
        screen = app.screen
        assert isinstance(screen, CoverageScreen)
        grid = screen.query_one("#coverage-grid", DataTable)
        assert grid.get_row("perseverance")[2] == "●"  # declared
        assert grid.get_row("conflict")[2] == "○"  # beta/b1 is tagged conflict
        assert str(grid.get_row("motivation")[1]) == "none"
        title = str(screen.query_one("#unlinked-title", Static).content)
        assert "Questions no story answers: 1" in title
        await pilot.press("enter")  # on the grid: no link
        assert app.screen is screen
        await pilot.press("tab", "enter")
        assert isinstance(app.screen, LinkStoryScreen)
        await pilot.press("space", "enter")
        assert app.screen is screen
        assert stories_of(store).stories[0].questions == ["beta/b1", "beta/b2"]
        assert "Questions no story answers: 0" in str(
            screen.query_one("#unlinked-title", Static).content
        )
        assert str(grid.get_row("motivation")[1]) == "1"


async def test_stories_show_beside_behavioral_answers_and_link_from_the_drill(
    make_app: MakeApp, store: UserStore
) -> None:
    other = Story(id="other", title="Other story")
    save_stories(store.folder / "stories.toml", StoryBank(stories=[STORY, other]))
    app = make_app("drill", ["beta"])
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, DrillScreen)
        assert screen.drill.current == "beta/b1"

        def shown() -> bool:
            return any(panel.display for panel in screen.query("#story-panel"))

        assert not shown()  # not before the answer is shown
        await pilot.press("t")
        assert not shown()
        await pilot.press("space")
        panel = screen.query_one("#story-panel", StoryPanel)
        assert panel.display
        text = str(panel.content)
        assert "The [b]big[/b] migration" in text and "Planned it." in text
        assert "Other story" not in text
        await pilot.press("t")
        assert not panel.display
        await pilot.press("t")
        assert panel.display
        await pilot.press("l")
        assert isinstance(app.screen, LinkStoryScreen)
        await pilot.press("down", "space", "enter")  # mark the second story too
        assert app.screen is screen
        assert "Other story" in str(panel.content)
        assert [s.id for s in stories_of(store).for_question("beta/b1")] == ["migration", "other"]
        await pilot.press("3", "space")  # the next card, b2, has no story
        assert screen.drill.current == "beta/b2"
        assert "No story linked" in str(panel.content)


async def test_no_story_keys_on_technical_cards(make_app: MakeApp) -> None:
    app = make_app("drill", ["alpha"])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "l")
        assert isinstance(app.screen, DrillScreen)
        assert not app.screen.query_one("#story-panel", StoryPanel).display


async def test_drill_says_when_an_answer_runs_over_its_target(
    make_app: MakeApp, timer: Timer
) -> None:
    app = make_app("drill", ["alpha"])  # alpha/a1: target 30 s
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = app.screen
        assert isinstance(screen, DrillScreen)
        timer.value += 29
        screen.update_timer()
        assert not screen.query_one(StatusLine).over
        assert "Over the" not in screen.query_one(StatusLine).notice
        timer.value += 2
        screen.update_timer()
        screen.update_timer()
        await pilot.pause()
        assert screen.query_one(StatusLine).over
        assert screen.query_one(StatusLine).notice == "Over the 0:30 target for this answer."
        screen.query_one(StatusLine).notice = ""
        timer.value += 5
        screen.update_timer()
        assert screen.query_one(StatusLine).notice == ""  # said once per card
