"""The home screen: the decks with this user's counts; pick one, several or all and drill."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Static

from flashprep.core.files.gcpause import gc_paused
from flashprep.core.files.lock import LockedError
from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.interview.plan import today_plan
from flashprep.core.study.today import TodayCounts, deck_outlook, today_counts
from flashprep.core.text import clean, one_line
from flashprep.format import NO_VALUE, clip, interval, interview_countdown, percent, plural
from flashprep.tui.messages import ShowStats, StartDrill, StartMock
from flashprep.tui.widgets.card import KeyBar
from flashprep.tui.widgets.plain import PlainStatic, fit_columns

if TYPE_CHECKING:
    from flashprep.core.interview.mockquestions import MockOptions
    from flashprep.tui.screens.custom_study import CustomStudy
    from flashprep.tui.session import Session


COLUMNS = {
    "deck": "Deck",
    "category": "Category",
    "cards": "Cards",
    "new": "New",
    "learn": "Learn",
    "due": "Due",
}
DROPPED_FIRST = ("category", "cards")
"""The columns a narrow screen leaves out, first to last; New, Learn and Due always stay."""
DECK_WANTS = 40
"""Columns are dropped until deck names get the cells they need, up to this many."""

USER_TEXT = ("deck", "category")
"""Cells that come from a deck file: Text, never read as markup."""

DETAIL_FROM = 140
"""From this width a pane beside the table describes the highlighted deck (narrower, the table
needs the room)."""
DETAIL_WIDTH = 54
"""The pane's width, its border and padding included."""

WARM_AFTER = 0.3
"""Seconds after the home screen is shown before the browser's search is made ready."""


class HomeScreen(Screen[None]):
    HELP = """\
## Home

Your decks, with what each holds for you today: **New** (new cards the day's limits still allow),
**Learn** (cards in their learning steps, due today) and **Due** (reviews due today, within the
review limit); **Cards** is the deck's size. On a terminal 140 columns wide or more, a pane
beside the table describes the highlighted deck: its description, today's work, its new cards
not seen yet, when its next card is due and its mean recall now.

- Move with the arrow keys; **Space** marks decks; **Enter** drills the marked decks, or the one
  under the cursor when none is marked; **a** drills all decks.
- **c** custom study of the marked decks (all when none is marked): more new cards today, review
  ahead, a drill of a search; any of them as practice, without changing the schedule.
- Interview practice: **m** starts a mock interview (from the marked decks, or all); **b** opens
  your bank of STAR stories; **p** your interview plan (date, readiness, weakest cards).
- **s** shows your statistics: streak, retention, what is due, readiness by topic.
- **i** imports decks from a file (Anki, CSV, Markdown, deck TOML).
- **/** opens the card browser: search every card, see its history, suspend, tag or edit it.
- **n** adds cards (to the highlighted deck when it is one of yours) and makes new decks.
- **o** opens your settings: daily limits (also per deck), retention, steps, leeches, theme.
- **F5** reads the decks and your reviews again (changes made outside flashprep: a sync, a
  command run meanwhile); a drill also picks up reviews another computer synced.
- **ctrl+p** opens the command palette (themes, keys); **q** quits.
"""

    BINDINGS = [
        Binding("enter", "drill", "Drill", id="drill", priority=True),
        Binding("space", "mark", "Mark", id="mark"),
        Binding("slash", "browse", "Browse", id="browse"),
        Binding("n", "add_card", "Add", id="add_card"),
        Binding("s", "stats", "Stats", id="stats"),
        Binding("c", "custom_study", "Custom", id="custom_study"),
        Binding("m", "mock", "Mock", id="mock"),
        Binding("p", "plan", "Plan", id="plan"),
        Binding("b", "stories", "Stories", id="stories"),
        Binding("i", "import_decks", "Import", id="import"),
        Binding("o", "settings", "Options", id="settings"),
        Binding("a", "drill_all", "Drill all", id="drill_all"),
        Binding("f5", "reload", "Refresh", show=False, id="reload_home"),
        Binding("q", "app.quit", "Quit", id="quit_home"),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.marked: set[str] = set()
        self.rows: dict[str, dict[str, str]] = {}
        """Each deck's cells by column, in full (names are cut to the width when shown)."""
        self.counts: dict[str, TodayCounts] = {}
        """Each deck's counts, as the table shows them (study.today: the plan and the CLI
        count the same way)."""
        self.titles: list[str] = []
        """The title's forms, longest first (the one that fits is shown)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="home"):
            yield PlainStatic(id="home-title")
            with Horizontal(id="home-body"):
                yield DataTable(id="decks", cursor_type="row", zebra_stripes=True)
                yield PlainStatic(id="deck-detail")  # shown from DETAIL_FROM columns
            yield PlainStatic(id="home-hint")
        yield KeyBar(rows=2)  # its many keys take two lines when narrow (80 columns)

    def on_mount(self) -> None:
        self.refresh_counts()
        self.query_one(DataTable).focus()
        self.set_timer(WARM_AFTER, self._warm_browser)

    def _warm_browser(self) -> None:
        """Get the card browser's search ready while the decks are read: its catalog of every
        card and the decoded card states (about half of opening it at 10,000 cards), in a
        thread, once the home screen is drawn and idle."""

        def warm() -> None:
            from flashprep.tui.screens.browser import catalog_of

            with gc_paused():
                catalog_of(self.session.library)
                self.session.store.decode_states()
            # Both live as long as their decks and schedule: out of the collector's full
            # passes, which walked their 100,000 objects at 50,000 cards (statistics screen).
            gc.freeze()

        self.run_worker(warm, thread=True, group="browser-warm", exit_on_error=False)

    def action_reload(self) -> None:
        """Read the decks and the user's files again: changes made outside flashprep (another
        computer's reviews delivered by a sync, a command run meanwhile) show without a restart."""
        try:
            self.session.reload()
        except (OSError, DataFileError, LockedError) as exc:
            self.notify(one_line(f"Not refreshed: {exc}"), severity="error", markup=False)
            return
        for note in self.session.store.notes:
            self.notify(one_line(note), markup=False)
        self.refresh_counts()
        self.notify("Decks and reviews read again.", timeout=2)

    def on_screen_resume(self) -> None:
        self.refresh_counts()

    def on_resize(self) -> None:
        self.query_one("#deck-detail").display = self.detail_shown
        if self.rows:
            self.fill_table()
        self.show_title()
        self.show_detail()

    @property
    def detail_shown(self) -> bool:
        return self.size.width >= DETAIL_FROM

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    def show_detail(self) -> None:
        """The highlighted deck in the detail pane (on a wide terminal): its description,
        today's work, when its next card is due and how well its cards are recalled now."""
        deck_id = self._highlighted()
        if not self.detail_shown or deck_id is None:
            return
        loaded = self.session.library.get(deck_id)
        counts = self.counts.get(deck_id)
        if loaded is None or counts is None:
            return
        store = self.session.store
        now = store.now()
        outlook = deck_outlook(self.session.library, store, deck_id, now)
        due = outlook.next_due
        if due is None:
            next_due = f"{NO_VALUE} (no card studied yet)"
        else:
            next_due = "now" if due <= now else f"in {interval(due - now)}"
        recall = NO_VALUE
        if outlook.recall is not None:
            recall = f"{percent(outlook.recall)} ({plural(outlook.studied, 'card')} studied)"
        aside = [f"{counts.suspended} suspended"] if counts.suspended else []
        aside += [f"{counts.buried} buried"] if counts.buried else []
        lines = [
            f"{one_line(loaded.category)} · {plural(counts.cards, 'card')}",
            *([clean(loaded.index.description).strip(), ""] if loaded.index.description else [""]),
            "Today",
            f"  New        {counts.new} ({counts.new_left} not seen yet)",
            f"  Learning   {counts.learning}",
            f"  Due        {counts.due}",
            f"Next due     {next_due}",
            f"Recall now   {recall}",
            *([f"Set aside    {' · '.join(aside)}"] if aside else []),
        ]
        text = Text(one_line(loaded.name) + "\n", style="bold")
        text.append("\n".join(lines))
        self.query_one("#deck-detail", Static).update(text)

    def refresh_counts(self) -> None:
        session = self.session
        today = today_counts(session.library, session.store)
        self.counts = today
        total_new = total_due = 0
        self.rows = {}
        for loaded in session.library:
            t = today[loaded.id]
            total_new += t.new
            total_due += t.learning + t.due
            self.rows[loaded.id] = {
                "deck": one_line(loaded.name),
                "category": one_line(loaded.category),
                "cards": str(t.cards),
                "new": str(t.new),
                "learn": str(t.learning),
                "due": str(t.due),
            }
        self.fill_table()
        # what a drill of all decks would take today: each deck's share under the user's limit
        store = session.store
        new_left = max(0, store.settings.new_per_day - store.counts_today().new)
        new_today = min(total_new, new_left)
        # plain values: the home screen needs no pydantic
        interview = session.store.settings.interview
        days_left = (interview.date - session.store.today()).days if interview else None
        countdown = interview_countdown(interview.date if interview else None, days_left)
        plan = today_plan(session.library, session.store) if interview else None
        ahead = len(plan.bring_forward) if plan else 0
        forward = f" · {ahead} brought forward" if ahead else ""
        work = f"{total_due} due · {new_today} new today"
        user, decks = session.store.user, plural(len(session.library.decks), "deck")
        short = countdown.split(" (")[0]  # without the date
        self.titles = [
            " · ".join(p for p in ("flashprep", user, decks, work, countdown + forward) if p),
            " · ".join(p for p in (user, work, countdown + forward) if p),
            " · ".join(p for p in (user, work, short + forward) if p),
            " · ".join(p for p in (user, work, short) if p),
        ]
        self.show_title()
        hint = self.query_one("#home-hint", Static)
        hint.update(
            "No decks found."
            if not self.rows
            else "Enter drills the marked decks (or the highlighted one) · Space marks · a: all"
        )

    def show_title(self) -> None:
        """The title on one line: the longest of its forms that fits (the app's name, the
        number of decks and the interview's date go first), cut with an ellipsis if none does."""
        if not self.titles:
            return
        width = self.size.width - 2
        title = next((t for t in self.titles if len(t) <= width), clip(self.titles[-1], width))
        self.query_one("#home-title", Static).update(title)

    def fill_table(self) -> None:
        """The decks table in the screen's width, never scrolled sideways: Category, then
        Cards, are left out until the deck names have their width; New, Learn and Due always
        stay; a name still too long is cut with an ellipsis."""
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        rows = list(self.rows.values())
        widths = {"mark": 1} | {
            key: max([len(label)] + [len(row[key]) for row in rows])
            for key, label in COLUMNS.items()
        }
        room = self.size.width - 4  # the screen's padding and the table's scroll bar
        if self.detail_shown:
            room -= DETAIL_WIDTH
        keys, deck_width = fit_columns(widths, "deck", DROPPED_FIRST, room, DECK_WANTS)
        table.clear(columns=True)
        for key in keys:
            label = "" if key == "mark" else COLUMNS[key]
            table.add_column(label, key=key, width=deck_width if key == "deck" else widths[key])
        for deck_id, row in self.rows.items():
            cells = {"mark": "✓" if deck_id in self.marked else ""} | row
            cells["deck"] = clip(row["deck"], deck_width)
            shown = {k: Text(v) if k in USER_TEXT else v for k, v in cells.items()}
            table.add_row(*(shown[key] for key in keys), key=deck_id)
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1))

    def _highlighted(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return str(row_key.value)

    def action_mark(self) -> None:
        deck_id = self._highlighted()
        if deck_id is None:
            return
        self.marked ^= {deck_id}
        table = self.query_one(DataTable)
        table.update_cell(deck_id, "mark", "✓" if deck_id in self.marked else "")

    def action_drill(self) -> None:
        if self.marked:
            ids = [d for d in self.session.library.decks if d in self.marked]
        else:
            deck_id = self._highlighted()
            if deck_id is None:
                return
            ids = [deck_id]
        self.post_message(StartDrill(ids))

    def action_drill_all(self) -> None:
        if self.session.library.decks:
            self.post_message(StartDrill(None))

    def action_custom_study(self) -> None:
        from flashprep.tui.screens.custom_study import CustomStudyScreen

        ids = [d for d in self.session.library.decks if d in self.marked] or None
        label = ", ".join(ids) if ids else "all decks"
        self.app.push_screen(CustomStudyScreen(self.session, ids, label), self._custom_chosen)

    def _custom_chosen(self, chosen: CustomStudy | None) -> None:
        if chosen is not None:
            self.post_message(StartDrill(chosen.deck_ids, options=chosen.options))

    # interview practice

    def action_mock(self) -> None:
        from flashprep.tui.screens.mock_setup import MockSetupScreen

        ids = [d for d in self.session.library.decks if d in self.marked] or None
        label = ", ".join(ids) if ids else "all decks"
        self.app.push_screen(MockSetupScreen(ids, label), self._mock_chosen)

    def _mock_chosen(self, options: MockOptions | None) -> None:
        if options is not None:
            self.post_message(StartMock(options))

    def action_stories(self) -> None:
        from flashprep.tui.screens.stories import StoriesScreen

        self.app.push_screen(StoriesScreen(self.session))

    def action_plan(self) -> None:
        from flashprep.tui.screens.plan import PlanScreen

        self.app.push_screen(PlanScreen(self.session))

    def action_stats(self) -> None:
        self.post_message(ShowStats())

    def action_import_decks(self) -> None:
        from flashprep.tui.screens.import_dialog import ImportDialog

        self.app.push_screen(ImportDialog(self.session))

    def action_browse(self) -> None:
        from flashprep.tui.screens.browser import BrowserScreen

        self.app.push_screen(BrowserScreen(self.session))

    def action_add_card(self) -> None:
        from flashprep.tui.screens.add_card import AddCardScreen

        self.app.push_screen(AddCardScreen(self.session, self._highlighted()))

    def action_settings(self) -> None:
        from flashprep.tui.screens.settings import SettingsScreen

        self.app.push_screen(SettingsScreen(self.session))
