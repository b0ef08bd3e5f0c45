"""The card browser: search every card as you type (the query language of core/browse/query.py),
see each one's state, sort, mark, and act on the marked cards or the highlighted one."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.events import DescendantFocus
from textual.timer import Timer
from textual.widgets import DataTable, Input, Static

from flashprep.core.browse.catalog import Catalog
from flashprep.core.browse.query import QueryError
from flashprep.core.browse.search import (
    SORT_FIELDS,
    CardMatch,
    Matches,
    card_match,
    search_cards,
)
from flashprep.core.keys import deck_of
from flashprep.core.text import one_line
from flashprep.format import NO_VALUE, percent, plural, relative_day
from flashprep.tui.messages import StartDrill
from flashprep.tui.screens.card_actions import ACTION_BINDINGS, ACTION_HELP, CardActionsScreen
from flashprep.tui.widgets.card import KeyBar
from flashprep.tui.widgets.plain import PlainStatic, plain

if TYPE_CHECKING:
    from datetime import date

    from flashprep.core.decks.library import DeckLibrary, LoadedDeck
    from flashprep.tui.session import Session

DEBOUNCE = 0.08
"""Seconds between two searches while typing: one keystroke is searched at once; the keys typed
in a burst after it are searched together, at most this long after the previous search."""

CHUNK = 100
"""Rows put in the table at once: a search of 10,000 cards shows its first rows at once, and
more are added as the cursor comes near the last (the count line says how many match). Each row
costs about 0.1 ms to add, and some kilobytes: the table holds a window of the matches, which
starts a little above the highlighted card when that is far down the list (the browser opened
from a drill on a card of the last deck, a reversed sort), and moves up as the cursor does."""

_catalogs: list[tuple[DeckLibrary, tuple[LoadedDeck, ...], Catalog]] = []
"""The last catalog built, with the library and the decks it was built from."""
_building = threading.Lock()
"""Held while a catalog is looked up or built: the home screen builds it in a thread, and the
browser opened meanwhile waits for that one rather than building a second beside it."""


def catalog_of(library: DeckLibrary) -> Catalog:
    """The library's catalog, built once per load of its decks: a reload (after any content
    change: an edit, a tag, an added or deleted card) makes new LoadedDecks, and a new catalog.
    Opening the browser again costs no rebuild (about a third of its opening time at 10,000
    cards). Safe to call from a thread (see `_building`)."""
    with _building:
        decks = tuple(library.decks.values())
        if _catalogs:
            cached_library, cached_decks, catalog = _catalogs[0]
            if (
                cached_library is library
                and len(cached_decks) == len(decks)
                and all(a is b for a, b in zip(cached_decks, decks, strict=True))
            ):
                return catalog
        _catalogs.clear()  # the old catalog's memory is free before the new one is built
        catalog = Catalog.build(library)
        _catalogs[:] = [(library, decks, catalog)]
        return catalog


COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    ("mark", "", 1),
    ("deck", "Deck", 10),
    ("question", "Question", None),  # the rest of the width
    ("state", "State", 10),
    ("due", "Due", 8),
    ("recall", "Recall", 6),
    ("lapses", "Lapses", 6),
    ("level", "Level", 6),
)
"""(key, label, width) of each column; every key but `mark` is a sort field. The table has no
cell padding: each cell but the mark starts with one space (its width one more), so that at 80
columns the question still gets 22."""
DROPPED_FIRST = ("level", "lapses", "recall", "state")
"""Narrower than 80 columns, these columns are left out, first to last, until the question has
QUESTION_LEAST cells: the table never scrolls sideways."""
QUESTION_LEAST = 20

SEARCH_ACTIONS = frozenset({"focus_table"})
"""The keys that work while the search box has focus (any other letter types into it)."""


def match_cells(match: CardMatch, marked: bool, today: date, deck_name: str = "") -> list[Text]:
    """One table row: every cell a Text (card text cleaned, never markup: a DataTable reads a
    plain string as markup). The Deck column shows `deck_name` (the deck's id without one)."""

    def right(value: str) -> Text:
        return Text(" " + value, justify="right")

    return [
        Text("✓" if marked else ""),
        Text(" " + one_line(deck_name or match.deck), no_wrap=True, overflow="ellipsis"),
        Text(" " + one_line(match.front), no_wrap=True, overflow="ellipsis"),
        Text(" " + match.status),
        right(relative_day(match.due, today)),
        right(percent(match.recall)),
        right(str(match.lapses)),
        plain(" " + (match.level or NO_VALUE)),
    ]


class BrowserScreen(CardActionsScreen):
    PLACE = "Browser"
    """What a key that returns here calls this screen (the drill's `esc Browser`)."""
    AUTO_FOCUS = ""  # on_mount chooses
    DEFAULT_CSS = """
    #browser {
        padding: 0 1;
    }
    #browser-search {
        margin: 1 0 0 0;
    }
    #browser-error {
        color: $error;
        height: auto;
        display: none;
    }
    #browser-count {
        color: $text-muted;
        height: 1;
    }
    #browser-table {
        height: 1fr;
    }
    """

    HELP = (
        """\
## Card browser

Every card, searched as you type. The search box takes words (matched in question, answer, hint
and tags; case and accents ignored), `"an exact phrase"`, `deck:ID` (`*` for any letters),
`tag:NAME`, `level:junior|mid|senior`, `category:NAME`,
`is:new|learning|review|due|overdue|suspended|buried|leech`, `lapses>N`, `reps<N`,
`recall<0.8` (predicted recall now), `due<=3` (days), `rated:7` (graded in the last 7 days);
`-term` leaves out, `OR` and parentheses combine. A query that cannot be read says where, under
the box; the table keeps the last results.

- While the search box has focus, keys type into it: **↓**, **Tab** or **Enter** go to the table;
  **/** comes back to the box.
- In the table: **Space** marks a card, **ctrl+a** marks every match (again: unmarks them);
  **Enter** shows the card's details and history; **o** sorts by the next column, **O**
  reverses the sort (or click a column's header); **d** drills the marked cards (or every match);
  **n** adds a card.
"""
        + ACTION_HELP
        + """
Actions apply to the marked cards, else to the highlighted one. **F5** reads the decks again
(after a change made outside, such as `flashprep import`). **Escape** goes back.
"""
    )

    BINDINGS: ClassVar[list[BindingType]] = [
        # priority: the search box would hide it from the footer (its own scroll key); in the
        # table check_action turns it off, and the key moves the cursor as usual
        Binding("down", "focus_table", "Results", id="browse_results", priority=True),
        Binding("slash", "focus_search", "Search", id="browse_search"),
        Binding("space", "mark", "Mark", id="browse_mark"),
        # priority: the table's own Enter would hide it; in the search box it submits
        Binding("enter", "details", "Details", id="browse_details", priority=True),
        Binding("escape", "leave", "Back", id="browse_back"),
        *ACTION_BINDINGS,
        Binding("d", "drill", "Drill", id="browse_drill"),
        Binding("ctrl+a", "mark_all", "Mark all", show=False, id="browse_mark_all"),
        Binding("o", "sort_next", "Sort", show=False, id="browse_sort"),
        Binding("O", "sort_reverse", "Reverse", show=False, id="browse_sort_reverse"),
        Binding("n", "add_card", "Add", show=False, id="browse_add"),
        Binding("f5", "reread", "Refresh", show=False, id="browse_refresh"),
    ]

    def __init__(self, session: Session, query: str = "", cursor_key: str | None = None) -> None:
        super().__init__(session)
        self.initial_query = query
        self.cursor_key = cursor_key
        self.catalog = catalog_of(session.library)
        self.matches = Matches()
        self.first = 0
        """The place among the matches of the table's first row (see CHUNK)."""
        self.shown = 0
        """How many of the matches, from `first` on, are rows of the table."""
        self.marked: set[str] = set()
        self.shown_columns = [key for key, _label, _width in COLUMNS]
        """The columns the screen's width leaves room for (see on_mount)."""
        self.sort = "deck"
        self.descending = False
        self._timer: Timer | None = None
        self._last_search = 0.0
        self._away = False
        """Another screen is (or was) above this one: show the cards anew on resume."""

    def compose(self) -> ComposeResult:
        with Vertical(id="browser"):
            yield Input(
                self.initial_query,
                placeholder='Search: words "a phrase" deck:ID tag:T is:due lapses>2 -word a OR b',
                id="browser-search",
            )
            yield PlainStatic(id="browser-error")
            yield PlainStatic(id="browser-count")
            yield DataTable(
                id="browser-table", cursor_type="row", zebra_stripes=True, cell_padding=0
            )
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        width = self.app.size.width
        deck = 10 + min(10, max(0, width - 80) // 3)  # a wider terminal shows more of the name
        widths = {key: deck if key == "deck" else w for key, _label, w in COLUMNS}

        def question_room() -> int:  # less the fixed columns, the padding and the scroll bar
            fixed = sum(w + (key != "mark") for key, w in widths.items() if w is not None)
            return width - 4 - fixed

        for dropped in DROPPED_FIRST:
            if question_room() >= QUESTION_LEAST:
                break
            del widths[dropped]
        question = max(QUESTION_LEAST, question_room())
        for key, label, _width in COLUMNS:
            if key not in widths:
                continue
            w = widths[key]
            spaced = w + 1 if w and key != "mark" else w
            table.add_column(f" {label}" if label else "", key=key, width=spaced or question)
        self.shown_columns = [key for key, _label, _width in COLUMNS if key in widths]
        # opened on a card (from a drill): its actions at hand; else the search box, to type
        (table if self.cursor_key is not None else self.query_one(Input)).focus()
        self.search()

    # searching

    @on(Input.Changed, "#browser-search")
    def query_changed(self) -> None:
        if self._timer is not None:
            return  # a search is due already: it reads the box as it is then
        wait = self._last_search + DEBOUNCE - time.monotonic()
        if wait <= 0:
            self.search()
        else:
            self._timer = self.set_timer(wait, self.search)

    def search(self, cursor_key: str | None = None) -> None:
        """Run the query in the box; a malformed one is shown under it, the rows kept."""
        self._timer = None
        self._last_search = time.monotonic()
        text = self.query_one(Input).value
        error = self.query_one("#browser-error", Static)
        try:
            matches = search_cards(
                self.catalog, text, self.session.store, self.sort, self.descending
            )
        except QueryError as exc:
            error.update(one_line(str(exc)))
            error.display = True
            return
        error.display = False
        if cursor_key is None:  # a new query starts at its first match (the first search: at
            cursor_key = self.cursor_key  # the card the browser was opened on, if any)
            self.cursor_key = None
        self.matches = matches
        self._fill(cursor_key)

    def _fill(self, cursor_key: str | None) -> None:
        table = self.query_one(DataTable)
        table.clear()
        self.shown = 0
        index = 0
        if cursor_key is not None:
            index = self.matches.position(cursor_key) or 0
        self.first = 0 if index < CHUNK else index - CHUNK // 2
        self._add_rows(max(CHUNK, index - self.first + CHUNK // 2))
        if table.row_count:
            table.move_cursor(row=index - self.first, scroll=True)
        self.update_count()

    def _add_rows(self, count: int) -> None:
        table = self.query_one(DataTable)
        today = self.session.store.today()
        start = self.first + self.shown
        rows = self.matches[start : start + count]
        for match in rows:
            table.add_row(*self._cells(match, today), key=match.key)
        self.shown += len(rows)

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        row = self._cursor_row()
        if row >= self.shown - CHUNK // 4 and self.first + self.shown < len(self.matches):
            self._add_rows(CHUNK)
        elif row < CHUNK // 4 and self.first > 0:
            self._show_earlier(self.first + row)

    def _show_earlier(self, at: int) -> None:
        """Start the table's window CHUNK matches earlier, the cursor kept on the match at
        place `at` (rows are only added at the end: the table is filled again)."""
        table = self.query_one(DataTable)
        table.clear()
        self.first = max(0, self.first - CHUNK)
        self.shown = 0
        self._add_rows(at - self.first + CHUNK)
        table.move_cursor(row=at - self.first, scroll=True)

    def update_count(self) -> None:
        arrow = "↓" if self.descending else "↑"
        text = (
            f"{len(self.matches)} of {plural(len(self.catalog.keys), 'card')}"
            f" · sorted by {self.sort} {arrow}"
        )
        if self.marked:
            text += f" · {len(self.marked)} marked"
        self.query_one("#browser-count", Static).update(text)

    # sorting

    def _resort(self) -> None:
        self.search(cursor_key=self.highlighted())
        self.update_count()

    def action_sort_next(self) -> None:
        self.sort = SORT_FIELDS[(SORT_FIELDS.index(self.sort) + 1) % len(SORT_FIELDS)]
        self.descending = False
        self._resort()

    def action_sort_reverse(self) -> None:
        self.descending = not self.descending
        self._resort()

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        field = str(event.column_key.value)
        if field not in SORT_FIELDS:
            return
        if field == self.sort:
            self.descending = not self.descending
        else:
            self.sort, self.descending = field, False
        self._resort()

    # focus: the box or the table

    def on_descendant_focus(self, _event: DescendantFocus) -> None:
        self.refresh_bindings()

    def searching(self) -> bool:
        return isinstance(self.focused, Input)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("leave", "reread"):
            return True
        if self.searching():
            return action in SEARCH_ACTIONS
        return action not in SEARCH_ACTIONS

    def action_focus_table(self) -> None:
        self.query_one(DataTable).focus()

    @on(Input.Submitted, "#browser-search")
    def submitted(self) -> None:
        if self._timer is not None:
            self.search()
        self.action_focus_table()

    def action_focus_search(self) -> None:
        self.query_one(Input).focus()

    # which cards

    def highlighted(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return str(row_key.value)

    def targets(self) -> list[str]:
        if self.marked:
            return [k for k in self.catalog.keys if k in self.marked]
        key = self.highlighted()
        return [key] if key is not None else []

    def current_key(self) -> str | None:
        return self.highlighted()

    # marking

    def _show_mark(self, key: str) -> None:
        table = self.query_one(DataTable)
        if key in table.rows:
            table.update_cell(key, "mark", Text("✓" if key in self.marked else ""))

    def action_mark(self) -> None:
        key = self.highlighted()
        if key is None:
            return
        self.marked ^= {key}
        self._show_mark(key)
        self.update_count()

    def action_mark_all(self) -> None:
        keys = set(self.matches.keys)
        if keys <= self.marked:
            self.marked -= keys
        else:
            self.marked |= keys
        for key in self.matches.keys[self.first : self.first + self.shown]:
            self._show_mark(key)
        self.update_count()

    # after a change

    def cards_changed(self, keys: list[str] | None, content: bool) -> None:
        if content:
            self.catalog = catalog_of(self.session.library)
        store = self.session.store
        today = store.today()
        table = self.query_one(DataTable)
        wanted = None if keys is None else set(keys)
        every = self.matches.keys
        places = (
            range(len(every)) if wanted is not None else range(self.first, self.first + self.shown)
        )
        for i in places:
            key = every[i]
            if wanted is not None and key not in wanted:
                continue
            try:
                new = card_match(self.catalog, key, store)
            except KeyError:
                continue  # gone from the library meanwhile
            self.matches[i] = new
            if key in table.rows:
                for column, cell in zip(self.shown_columns, self._cells(new, today), strict=True):
                    table.update_cell(key, column, cell)

    def _cells(self, match: CardMatch, today: date) -> list[Text]:
        """The row of `match`, in the columns shown (see on_mount)."""
        loaded = self.session.library.get(match.deck)
        name = loaded.name if loaded is not None else ""
        cells = match_cells(match, match.key in self.marked, today, name)
        if len(self.shown_columns) == len(COLUMNS):
            return cells
        keep = set(self.shown_columns)
        return [c for (key, _l, _w), c in zip(COLUMNS, cells, strict=True) if key in keep]

    def cards_deleted(self, keys: list[str]) -> None:
        self.marked -= set(keys)
        self.catalog = catalog_of(self.session.library)
        gone = set(keys)
        later = self.matches.keys[self.first + self._cursor_row() :]
        after = next((k for k in later if k not in gone), None)
        self.search(cursor_key=after)

    def _cursor_row(self) -> int:
        return self.query_one(DataTable).cursor_row

    def on_screen_suspend(self) -> None:
        self._away = True

    def on_screen_resume(self) -> None:
        """Back from a drill, the details or the Add form: show the cards as they are now."""
        if not self._away:
            return  # the first show: on_mount searched already
        self._away = False
        catalog = catalog_of(self.session.library)
        if catalog is not self.catalog:  # cards added, edited or deleted meanwhile
            self.catalog = catalog
            self.search(cursor_key=self.highlighted())
        else:
            self.cards_changed(None, content=False)

    def action_reread(self) -> None:
        """Read the decks again from disk: a change made outside the app (`flashprep import`,
        `flashprep add`, a deck file edited) shows without a restart."""
        self.session.library.reload()
        self.catalog = catalog_of(self.session.library)
        self.search(cursor_key=self.highlighted())
        count = len(self.session.library.decks)
        self.notify(f"Decks read again: {count} decks.", timeout=2)
        for error in self.session.library.errors:
            self.notify(one_line(str(error)), title="Deck skipped", severity="error", markup=False)

    # elsewhere

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """A click on the highlighted row (Enter is the binding)."""
        self.show_details(str(event.row_key.value))

    def action_details(self) -> None:
        key = self.highlighted()
        if key is not None:
            self.show_details(key)

    def show_details(self, key: str) -> None:
        from flashprep.tui.screens.card_details import CardDetailsScreen

        self.app.push_screen(CardDetailsScreen(self.session, key))

    def action_drill(self) -> None:
        keys = self.targets() if self.marked else self.matches.keys
        if not keys:
            self.notify("No cards to drill.", timeout=2, markup=False)
            return
        self.post_message(StartDrill(keys=keys))

    def action_add_card(self) -> None:
        from flashprep.tui.screens.add_card import AddCardScreen

        key = self.highlighted()
        self.app.push_screen(AddCardScreen(self.session, deck_of(key) if key else None))

    def action_leave(self) -> None:
        self.dismiss()
