"""The statistics screen: am I keeping up, what do I remember, which topics are weak, what's next.

It only draws what core/stats/report.py computes; the history is read and the numbers computed in a
thread worker, so keys keep working meanwhile.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Label, ProgressBar, Select, Static
from textual.worker import Worker, WorkerState, get_current_worker

from flashprep.core.files.gcpause import gc_paused
from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.stats.history import Cancelled
from flashprep.core.stats.historycache import HistoryReader
from flashprep.core.stats.optimize import calibration_report
from flashprep.core.stats.ranges import RANGE_LABELS, RANGES
from flashprep.core.stats.readiness import forgotten, recall_now, weakest_first
from flashprep.core.stats.report import StatsQuery, compute_stats
from flashprep.core.stats.retentioncache import RetentionCache
from flashprep.core.text import clean, one_line
from flashprep.tui.messages import ShowDecks, StartDrill
from flashprep.tui.widgets.card import KeyBar
from flashprep.tui.widgets.plain import PlainStatic
from flashprep.tui.widgets.stats_panels import (
    LEECH_ROWS,
    PANELS,
    PANELS_CSS,
    DrillRows,
    StatsPanel,
    Target,
)

if TYPE_CHECKING:
    from flashprep.core.scheduling.scheduler import CardState
    from flashprep.core.stats.history import History
    from flashprep.tui.session import Session

ALL_DECKS = "*"
WIDE = 150
"""From this many columns the panels sit two by two."""


class StatsScreen(Screen[None]):
    DEFAULT_CSS = (
        """
    #stats-filters {
        height: 1;
        padding: 0 1;
        background: $boost;
    }
    .stats-filter-label {
        padding: 0 1 0 0;
        color: $text-muted;
    }
    #stats-filters Select {
        width: 26;
        margin: 0 2 0 0;
    }
    #stats-filters Select > SelectOverlay {
        width: 64;
        max-width: 90vw;
        constrain: inside inside;
        max-height: 16;
        border: round $primary !important;
        background: $panel;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    #stats-status {
        width: 1fr;
        color: $text-muted;
        text-align: right;
    }
    #stats-body {
        height: 1fr;
        padding: 0 1;
    }
    #stats-body.-panels {
        scrollbar-gutter: stable;
    }
    #stats-empty {
        display: none;
        border: round $warning;
        padding: 1 2;
        margin: 1 0 0 0;
    }
    #stats-grid {
        height: auto;
        layout: vertical;
    }
    #stats-progress {
        display: none;
        margin: 1 0 0 2;
    }
    StatsScreen.-wide #stats-grid {
        layout: grid;
        grid-size: 2;
        grid-rows: auto;
        grid-gutter: 0 1;
    }
    """
        + PANELS_CSS
    )

    HELP = """\
## Statistics

How ready you are: what you did today, your streak and calendar, reviews over time, what is due
next, where every card stands, and what you actually remember.

- **True retention** counts, as Anki does, the first grade of a card on each day when the card
  was in review: Again is a fail, Hard, Good and Easy a pass. *Young* cards had an interval under
  21 days, *mature* ones 21 days or more.
- **Recall** is the chance (FSRS) that you would recall a studied card right now, on average;
  **ready** is the share of all the deck's or tag's cards you would recall now (new cards count
  as 0): readiness by topic.
- **Daily load** is how many reviews a day your studied cards ask for in the long run.
- **How well the model fits you**: the recall the memory model (FSRS) predicted at your reviews
  against the share you actually recalled, range by range, with its log loss and RMSE(bins)
  (lower fits better); with parameters fitted to you (Optimize, on the settings screen), the
  defaults beside them.

- **Leeches** are the cards you forgot as many times as your leech setting or more: rewrite them,
  split them, or add a hint. The 200 with the most lapses are listed; `is:leech` in the card
  browser finds them all.

Weak spots you can act on: **Tab** moves into the readiness tables, the hardest cards and the
leeches; **Enter** on a deck or a tag drills its studied cards, least recalled first; on the
hardest cards or the leeches it drills those cards, the highlighted one first.

Keys: **d** picks a deck, **r** changes the range of the review charts (1 month, 3 months, 1 year,
all time); arrows, **PgUp**/**PgDn** scroll; **Escape** goes back.
"""

    BINDINGS = [
        Binding("enter", "drill_row", "Drill these", id="stats_drill", priority=True),
        Binding("escape", "back", "Back", id="stats_back"),
        Binding("d", "pick_deck", "Deck", id="stats_deck"),
        Binding("r", "next_range", "Range", id="stats_range"),
        Binding("q", "app.quit", "Quit", id="quit_stats"),
    ]

    def __init__(
        self, session: Session, deck: str | None = None, range_name: str = "month"
    ) -> None:
        super().__init__()
        self.session = session
        self.deck = deck
        self.range_name = range_name if range_name in RANGES else "month"
        self.history: History | None = None
        self._history_reader: HistoryReader | None = None
        """The reader that loaded `history`: its marks let the calibration go on from the
        state saved last time instead of scoring a million grades on each filter change."""
        self.stats: dict[str, Any] | None = None
        """The statistics on screen (None until the first computation ends)."""
        self.error: str | None = None
        self._inputs: tuple[StatsQuery, dict[str, CardState]] | None = None
        self._busy = False

    # layout

    def compose(self) -> ComposeResult:
        self.set_class(self.app.size.width >= WIDE, "-wide")  # before mounting: one styling
        decks = [("All decks", ALL_DECKS)] + [(clean(d.name), d.id) for d in self.session.library]
        ranges = [(label, name) for name, label in RANGE_LABELS.items()]
        with Horizontal(id="stats-filters"):
            yield Label("Deck", classes="stats-filter-label")
            yield Select(
                decks,
                id="stats-deck",
                allow_blank=False,
                value=self.deck or ALL_DECKS,
                type_to_search=False,
                compact=True,
            )
            yield Label("Range", classes="stats-filter-label")
            yield Select(
                ranges,
                id="stats-range",
                allow_blank=False,
                value=self.range_name,
                type_to_search=False,
                compact=True,
            )
            yield PlainStatic("", id="stats-status")
        with VerticalScroll(id="stats-body"):
            # Hidden until the statistics are computed; set here, not once mounted, so that
            # mounting does not lay the screen out twice.
            yield PlainStatic("Computing your statistics…", id="stats-empty")
            # Shown while the whole review log is read and replayed (a first read, or after a
            # hand edit: seconds for a long history).
            yield ProgressBar(total=100, show_eta=False, id="stats-progress")
            grid = Container(id="stats-grid")
            grid.display = False
            with grid:
                for panel in PANELS:
                    yield panel()
        yield KeyBar()  # one widget: Footer mounts and styles one per key

    def on_mount(self) -> None:
        self.query_one("#stats-body").focus()
        self.refresh_stats()

    def on_screen_resume(self) -> None:
        if self.stats is not None:  # back from a drill: the numbers have changed
            self.refresh_stats()

    def on_resize(self) -> None:
        self.set_class(self.size.width >= WIDE, "-wide")

    # computing

    def refresh_stats(self) -> None:
        """Compute the statistics for the current filters in a worker. One worker at a time:
        a filter changed meanwhile is computed when it ends, so a long first read of the
        history is never started over."""
        store = self.session.store
        query = replace(StatsQuery.of(store, self.deck, self.range_name), leech_fronts=LEECH_ROWS)
        self.query_one("#stats-status", Static).update("computing…")
        self._inputs = (query, dict(store.states))
        if not self._busy:
            self._busy = True
            self.compute(self._inputs)

    @work(thread=True, group="stats", exit_on_error=False, description="statistics")
    def compute(self, inputs: tuple[StatsQuery, dict[str, CardState]]) -> None:
        """(A description is given: by default Textual would repr() 10,000 card states.)"""
        query, states = inputs
        worker = get_current_worker()
        session = self.session
        reader = None
        retention = None
        try:
            # Nothing the computation makes is garbage before it ends, and the collector's
            # full passes over a loaded history of a million reviews took half its time.
            with gc_paused():
                history = self.history
                if history is None:
                    shown = [-1]

                    def progress(done: float) -> None:
                        percent = int(done * 100)
                        if percent != shown[0] and not worker.is_cancelled:
                            shown[0] = percent
                            self.app.call_from_thread(self._progress, percent)

                    reader = HistoryReader(session.store, lambda: worker.is_cancelled, progress)
                    history = self.history = reader.load()
                    self._history_reader = reader
                loaded = self._history_reader
                if loaded is not None:  # what the whole history's figures need, kept at its mark
                    marks, stable = loaded.marks, loaded.stable
                    retention = RetentionCache(loaded.folder, marks, stable, query.deck)
                computed: list[dict[str, Any]] = []

                def statistics() -> None:  # while a child scores a long calibration (cold)
                    computed.append(
                        compute_stats(
                            history,
                            states,
                            session.library,
                            session.store.scheduler,
                            query,
                            session.store.user,
                            retention,
                        )
                    )

                calibration = calibration_report(
                    history, session.store, query.deck, self._history_reader, meanwhile=statistics
                )
                (stats,) = computed
                stats["calibration"] = calibration
        except Cancelled:
            return
        except (DataFileError, OSError) as exc:
            if not worker.is_cancelled:
                self.app.call_from_thread(self._failed, str(exc))
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self._computed, stats, inputs)
        if reader is not None:
            reader.save()  # after drawing: the cache only makes the next read fast
        if retention is not None:
            retention.save()

    def _progress(self, percent: int) -> None:
        """How much of the review log has been read and replayed (only a whole read reports)."""
        bar = self.query_one("#stats-progress", ProgressBar)
        bar.display = True
        bar.update(progress=percent)
        self.query_one("#stats-status", Static).update(f"reading your review history… {percent}%")

    def _computed(
        self, stats: dict[str, Any], inputs: tuple[StatsQuery, dict[str, CardState]]
    ) -> None:
        self._busy = False
        self.query_one("#stats-progress").display = False
        if self._inputs is not inputs:  # the filters changed while computing
            self.refresh_stats()
        else:
            self.show_stats(stats)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Any other failure of the computation is shown too, never "computing…" for ever."""
        if event.worker.group == "stats" and event.state == WorkerState.ERROR:
            self._failed(one_line(str(event.worker.error)))

    def _failed(self, message: str) -> None:
        self._busy = False
        self.query_one("#stats-progress").display = False
        self.show_error(message)

    def show_error(self, message: str) -> None:
        self.error = message
        self.query_one("#stats-status", Static).update("")
        empty = self.query_one("#stats-empty", Static)
        empty.update(f"Statistics unavailable: {message}")
        empty.display = True
        self.query_one("#stats-grid").display = False
        self.notify(one_line(message), title="Statistics", severity="error", markup=False)

    # drawing

    def show_stats(self, stats: dict[str, Any]) -> None:
        with self.app.batch_update():
            self._show_all(stats)

    def _show_all(self, stats: dict[str, Any]) -> None:
        self.stats = stats
        self.query_one("#stats-status", Static).update("")
        self.query_one("#stats-grid").display = True
        has_history = stats["reviews_total"] > 0
        # Every panel shown overflows most screens: the scroll bar's room is kept from the
        # first layout, else it comes with the second and the tables are filled twice.
        self.query_one("#stats-body").set_class(has_history, "-panels")
        empty = self.query_one("#stats-empty", Static)
        empty.display = not has_history
        if not has_history:
            where = "in this deck " if stats["deck"] else ""
            empty.update(
                f"No reviews {where}yet. Drill a few cards (Escape, then Enter on a deck) and "
                "your progress, streak and retention show up here."
            )
        for panel in self.query(StatsPanel):
            if panel.NEEDS_HISTORY and panel.display != has_history:
                panel.display = has_history
            panel.update(stats)

    # keys

    def _rows(self) -> DrillRows | None:
        """The weak-spot table that has the focus, if one has."""
        focused = self.focused
        if isinstance(focused, DataTable) and isinstance(focused.parent, DrillRows):
            return focused.parent
        return None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "drill_row":
            rows = self._rows()
            return rows is not None and rows.target() is not None
        return True

    def action_drill_row(self) -> None:
        rows = self._rows()
        target = rows.target() if rows is not None else None
        if target is not None:
            self.drill(target)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """A click on a highlighted row (Enter is the screen's key)."""
        rows = event.data_table.parent
        if isinstance(rows, DrillRows):
            target = rows.target(event.cursor_row)
            if target is not None:
                self.drill(target)

    def drill(self, target: Target) -> None:
        """A drill of the row's cards: a deck's or tag's studied cards, least recalled first;
        the hardest cards or the leeches as listed, the chosen one first."""
        if target.kind == "cards":
            keys = list(target.cards)
        else:
            keys = weakest_first(self._group(target), self._recall(target))
        if not keys:
            library = self.session.library
            name = library.decks[target.value].name if target.kind == "deck" else target.value
            what = "deck" if target.kind == "deck" else "tag"
            self.notify(
                one_line(f"Nothing studied in the {what} {clean(name)} yet: drill it from home."),
                severity="warning",
                markup=False,
            )
            return
        self.post_message(StartDrill(keys=keys))

    def _group(self, target: Target) -> list[str]:
        library = self.session.library
        if target.kind == "deck":
            return library.card_keys([target.value])
        decks = [self.deck] if self.deck is not None else list(library.decks)
        return [k for d in decks for k in library.decks[d].tagged().get(target.value, [])]

    def _recall(self, target: Target) -> dict[str, float]:
        store = self.session.store
        failed = forgotten(self.history) if self.history is not None else set()
        return recall_now(self._group(target), store.states, failed, store.scheduler, store.now())

    def action_back(self) -> None:
        self.workers.cancel_node(self)
        self.post_message(ShowDecks())  # where it was opened from, or home

    def action_pick_deck(self) -> None:
        select = self.query_one("#stats-deck", Select)
        select.focus()
        select.action_show_overlay()

    def action_next_range(self) -> None:
        names = list(RANGES)
        following = names[(names.index(self.range_name) + 1) % len(names)]
        self.query_one("#stats-range", Select).value = following

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "stats-deck":
            deck = None if event.value == ALL_DECKS else str(event.value)
            if deck == self.deck:
                return
            self.deck = deck
        elif event.select.id == "stats-range":
            if event.value == self.range_name:
                return
            self.range_name = str(event.value)
        else:
            return
        self.query_one("#stats-body").focus()
        self.refresh_stats()
