"""The story bank: the user's STAR stories; write, edit (form or $EDITOR), delete, see coverage."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Static

from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.interview.stories import Story, StoryBank
from flashprep.core.text import clean, one_line
from flashprep.format import clip
from flashprep.tui.editor import external_editor
from flashprep.tui.screens import SHARED_CSS
from flashprep.tui.screens.confirm import ConfirmScreen
from flashprep.tui.screens.story_form import open_story_form
from flashprep.tui.widgets.card import KeyBar
from flashprep.tui.widgets.plain import PlainStatic, flex_width
from flashprep.tui.widgets.story_panel import story_text

if TYPE_CHECKING:
    from flashprep.tui.session import Session


class StoriesScreen(Screen[None]):
    CSS_PATH = SHARED_CSS
    DEFAULT_CSS = """
    #story-table {
        height: 1fr;
        min-height: 5;
    }
    #story-detail {
        height: auto;
        max-height: 50%;
        border: round $primary;
        padding: 0 1;
    }
    """

    HELP = """\
## Your stories

Behavioral questions ("Tell me about a time…") are best answered with a few strong stories told
the STAR way: Situation, Task, Action, Result. Keep them here, link them to the questions they
answer, and they show beside those questions' model answers in drills (**t** toggles them, **l**
links a story there).

- **n** writes a new story; **Enter** edits the highlighted one in a form; **e** edits it in
  `$EDITOR` (or the form when `$EDITOR` is unset); **d** deletes it.
- **c** shows the coverage: competencies × stories, and the questions no story answers.
- Stories live in `stories.toml` in your folder; editing one never touches a schedule.
"""

    BINDINGS = [
        Binding("n", "new", "New", id="new_story"),
        Binding("enter", "edit", "Edit", id="edit_story", priority=True),
        Binding("e", "edit_external", "$EDITOR", id="edit_story_external"),
        Binding("d", "delete", "Delete", id="delete_story"),
        Binding("c", "coverage", "Coverage", id="coverage"),
        Binding("escape", "back", "Back", id="back_stories"),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        with Vertical(id="stories"):
            yield PlainStatic(id="stories-title")
            yield DataTable(id="story-table", cursor_type="row", zebra_stripes=True)
            yield PlainStatic(id="story-detail")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        self.refresh_list()
        table.focus()

    def on_screen_resume(self) -> None:
        self.refresh_list()

    def bank(self) -> StoryBank:
        try:
            return self.session.stories.load()
        except DataFileError as exc:
            self.notify(
                one_line(str(exc)), title="Stories not read", severity="error", markup=False
            )
            return StoryBank()

    def refresh_list(self, select: str | None = None) -> None:
        bank = self.bank()
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        table.clear()
        titles = [one_line(s.title) for s in bank.stories]
        width = self.app.size.width - 2
        half = flex_width(width, [len("Questions")]) // 2  # titles and competencies share it
        title_width = min(max([5] + [len(t) for t in titles]), max(12, half))
        room = flex_width(width, [title_width, len("Questions")])
        table.clear(columns=True)
        table.add_column("Story", key="title", width=title_width)
        table.add_column("Competencies", key="competencies", width=room)
        table.add_column("Questions", key="questions")
        for story, title in zip(bank.stories, titles, strict=True):
            table.add_row(
                Text(clip(title, title_width)),
                Text(clip(one_line(", ".join(story.competencies)), room)),
                str(len(story.questions)),
                key=story.id,
            )
        if select is not None and bank.get(select) is not None:
            table.move_cursor(row=[s.id for s in bank.stories].index(select))
        elif table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1))
        n = len(bank.stories)
        self.query_one("#stories-title", Static).update(
            f"Your stories · {n} {'story' if n == 1 else 'stories'}"
            + ("" if n else " · press n to write your first one")
        )
        self.show_detail()

    def highlighted(self) -> Story | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return self.bank().get(str(row_key.value))

    def show_detail(self) -> None:
        story = self.highlighted()
        detail = self.query_one("#story-detail", Static)
        detail.update(story_text([story], header=False) if story is not None else "")
        detail.display = story is not None

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    def _saved(self, story: Story) -> None:
        self.refresh_list(select=story.id)

    def action_new(self) -> None:
        open_story_form(self, self.session, None, self._saved)

    def action_edit(self) -> None:
        story = self.highlighted()
        if story is not None:
            open_story_form(self, self.session, story, self._saved)

    def action_edit_external(self) -> None:
        story = self.highlighted()
        if story is not None:
            use_editor = external_editor() is not None
            open_story_form(self, self.session, story, self._saved, use_editor=use_editor)

    def action_delete(self) -> None:
        story = self.highlighted()
        if story is None:
            return

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            files = self.session.stories
            try:
                files.save(files.load().remove(story.id))
            except (OSError, DataFileError) as exc:
                self.notify(one_line(f"Not deleted: {exc}"), severity="error", markup=False)
                return
            self.notify("Story deleted.", timeout=2)
            self.refresh_list()

        question = f"Delete the story {clean(story.title)!r}? Its links go with it."
        self.app.push_screen(ConfirmScreen(question), answered)

    def action_coverage(self) -> None:
        from flashprep.tui.screens.coverage import CoverageScreen

        self.app.push_screen(CoverageScreen(self.session))

    def action_back(self) -> None:
        self.dismiss()
