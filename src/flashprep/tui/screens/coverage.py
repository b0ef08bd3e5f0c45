"""Coverage: which competencies your stories show, and which behavioral questions have none."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Static

from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.interview.stories import StoryBank, coverage
from flashprep.core.keys import deck_of
from flashprep.core.text import clean, one_line
from flashprep.format import clip
from flashprep.tui.screens import SHARED_CSS
from flashprep.tui.screens.link_story import link_stories
from flashprep.tui.widgets.card import KeyBar
from flashprep.tui.widgets.plain import PlainStatic, flex_width

if TYPE_CHECKING:
    from flashprep.tui.session import Session

MARKS = {"declared": "●", "linked": "○"}
DECK_MEASURE = 30
"""Deck names in the list of unanswered questions are cut (with `…`) past this."""
QUESTION_MEASURE = 100
"""Questions are cut (with `…`) to the screen's width, and to this on a wide one."""


class CoverageScreen(Screen[None]):
    CSS_PATH = SHARED_CSS
    DEFAULT_CSS = """
    #coverage-grid {
        height: 2fr;
    }
    #unlinked {
        height: 1fr;
    }
    """

    HELP = """\
## Coverage

Rows are competencies interviewers probe (the usual eight, then the tags of your behavioral
decks); columns are your stories. **●** the story names the competency; **○** it answers a
question tagged with it. A competency marked **none** has no story yet.

Below: the behavioral questions no story answers. **Tab** moves there; **Enter** links stories to
the highlighted question. **Escape** goes back.
"""

    BINDINGS = [
        Binding("enter", "link", "Link stories", id="link_from_coverage", priority=True),
        Binding("escape", "back", "Back", id="back_coverage"),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        with Vertical(id="coverage"):
            yield PlainStatic(id="coverage-title")
            yield DataTable(id="coverage-grid", cursor_type="row", zebra_stripes=True)
            yield PlainStatic(id="unlinked-title")
            yield DataTable(id="unlinked", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        self.refresh_grid()
        self.query_one("#coverage-grid", DataTable).focus()

    def refresh_grid(self) -> None:
        try:
            bank = self.session.stories.load()
        except DataFileError as exc:
            self.notify(
                one_line(str(exc)), title="Stories not read", severity="error", markup=False
            )
            bank = StoryBank()
        grid = coverage(bank, self.session.library)
        table = self.query_one("#coverage-grid", DataTable)
        table.clear(columns=True)
        table.add_column("Competency", key="competency")
        table.add_column("Stories", key="count")
        for story in grid.stories:
            title = clean(story.title)
            table.add_column(Text(clip(title, 14)), key=story.id)
        for competency in grid.competencies:
            ids = grid.stories_for(competency)
            count = Text(str(len(ids))) if ids else Text("none", style="bold red")
            marks = [MARKS.get(grid.cells.get((competency, s.id), ""), "") for s in grid.stories]
            table.add_row(Text(competency), count, *marks, key=competency)
        uncovered = len(grid.uncovered)
        self.query_one("#coverage-title", Static).update(
            f"Coverage · {len(grid.stories)} {'story' if len(grid.stories) == 1 else 'stories'} · "
            f"{uncovered} of "
            f"{len(grid.competencies)} competencies without a story"
        )
        unlinked = self.query_one("#unlinked", DataTable)
        cursor = unlinked.cursor_row
        unlinked.clear(columns=True)
        library = self.session.library
        rows = []
        for key in grid.unlinked:
            card, deck = library.card(key), library.get(deck_of(key))
            front = clean(card.front).strip().splitlines()[0] if card is not None else key
            rows.append((one_line(deck.name) if deck else deck_of(key), one_line(front)))
        decks = min(max([4] + [len(d) for d, _ in rows]), DECK_MEASURE)
        room = min(flex_width(self.app.size.width - 2, [decks]), QUESTION_MEASURE)
        unlinked.add_column("Deck", key="deck", width=decks)
        unlinked.add_column("Question", key="question", width=room)
        for key, (deck_name, front) in zip(grid.unlinked, rows, strict=True):
            unlinked.add_row(Text(clip(deck_name, decks)), Text(clip(front, room)), key=key)
        if unlinked.row_count:
            unlinked.move_cursor(row=min(cursor, unlinked.row_count - 1))
        self.query_one("#unlinked-title", Static).update(
            f"Questions no story answers: {len(grid.unlinked)}"
            + (" · Tab, then Enter links stories" if grid.unlinked else "")
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "link":
            unlinked = self.query_one("#unlinked", DataTable)
            return unlinked.has_focus and unlinked.row_count > 0
        return True

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    def action_link(self) -> None:
        unlinked = self.query_one("#unlinked", DataTable)
        if not unlinked.row_count:
            return
        row_key, _ = unlinked.coordinate_to_cell_key(unlinked.cursor_coordinate)
        link_stories(self, self.session, str(row_key.value), self.refresh_grid)

    def action_back(self) -> None:
        self.dismiss()
