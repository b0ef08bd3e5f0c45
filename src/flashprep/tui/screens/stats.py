"""The statistics screen: am I keeping up, what do I remember, which topics are weak, what's next.

It only draws what core/stats/report.py computes; the history is read and the numbers computed in a
thread worker, so keys keep working meanwhile.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Label, Select, Static
from textual.worker import Worker, WorkerState, get_current_worker

from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.stats.history import Cancelled
from flashprep.core.stats.historycache import HistoryReader
from flashprep.core.stats.ranges import RANGE_LABELS, RANGES
from flashprep.core.stats.report import StatsQuery, compute_stats
from flashprep.core.text import clean, one_line
from flashprep.format import NO_VALUE, duration, percent, plural
from flashprep.tui.messages import ShowDecks
from flashprep.tui.widgets.card import KeyBar
from flashprep.tui.widgets.charts import BarChart, Heatmap, Series, ShareBar, text_table
from flashprep.tui.widgets.plain import PlainStatic

if TYPE_CHECKING:
    from flashprep.core.scheduling.scheduler import CardState
    from flashprep.core.stats.history import History
    from flashprep.tui.session import Session

ALL_DECKS = "*"
WIDE = 150
"""From this many columns the panels sit two by two."""
TAGS_SHOWN = 15
HISTORY_PANELS = (
    "today",
    "calendar",
    "reviews",
    "forecast",
    "retention",
    "answers",
    "tags",
    "hardest",
)
"""Panels hidden while there is no history (the friendly empty state shows instead)."""


def day_label(iso: str) -> str:
    d = date.fromisoformat(iso)
    return f"{d.strftime('%b')} {d.day}"


def _table_panel(title: str, id: str) -> Vertical:
    """A panel holding one text table, in Static #stats-<id>."""
    return _panel(title, Static(id=f"stats-{id}", classes="stats-table"), id=f"panel-{id}")


def _panel(title: str, *children: Widget, id: str) -> Vertical:
    panel = Vertical(*children, id=id, classes="stats-panel")
    panel.border_title = title
    return panel


class StatsScreen(Screen[None]):
    DEFAULT_CSS = """
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
    #stats-status {
        width: 1fr;
        color: $text-muted;
        text-align: right;
    }
    #stats-body {
        height: 1fr;
        padding: 0 1;
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
    StatsScreen.-wide #stats-grid {
        layout: grid;
        grid-size: 2;
        grid-rows: auto;
        grid-gutter: 0 1;
    }
    .stats-panel {
        height: auto;
        border: round $primary-darken-1;
        border-title-color: $text;
        border-title-style: bold;
        padding: 0 1;
    }
    #stats-streak, #stats-range-summary, #stats-load {
        color: $text-muted;
    }
    #stats-heatmap {
        height: 10;
    }
    #stats-reviews, #stats-forecast {
        height: 10;
    }
    #stats-hours {
        height: 8;
    }
    .stats-table {
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

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

Keys: **d** picks a deck, **r** changes the range of the review charts (1 month, 3 months, 1 year,
all time); arrows, **PgUp**/**PgDn** scroll; **Escape** goes back.
"""

    BINDINGS = [
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
            grid = Container(id="stats-grid")
            grid.display = False
            with grid:
                yield _panel("Today", PlainStatic(id="stats-today"), id="panel-today")
                yield _panel(
                    "Calendar",
                    PlainStatic(id="stats-streak"),
                    Heatmap(id="stats-heatmap"),
                    id="panel-calendar",
                )
                yield _panel(
                    "Reviews per day",
                    BarChart(
                        [
                            Series("learn", "primary"),
                            Series("review", "success"),
                            Series("relearn", "error"),
                        ],
                        id="stats-reviews",
                    ),
                    PlainStatic(id="stats-range-summary"),
                    id="panel-reviews",
                )
                yield _panel(
                    "Due in the next 30 days",
                    BarChart([Series("due", "accent")], id="stats-forecast"),
                    PlainStatic(id="stats-load"),
                    id="panel-forecast",
                )
                yield _panel(
                    "Cards",
                    ShareBar(
                        [
                            Series("new", "secondary"),
                            Series("learning", "primary"),
                            Series("young", "success-darken-2"),
                            Series("mature", "success"),
                            Series("suspended", "warning"),
                            Series("buried", "foreground-darken-3"),
                        ],
                        id="stats-states",
                    ),
                    id="panel-states",
                )
                yield _table_panel("True retention", "retention")
                yield _panel(
                    "Answers",
                    Static(id="stats-buttons", classes="stats-table"),
                    BarChart(
                        [Series("correct", "success"), Series("again", "error")],
                        unit="hours",
                        id="stats-hours",
                    ),
                    id="panel-answers",
                )
                yield _table_panel("Readiness by deck", "decks")
                yield _table_panel("Readiness by tag", "tags")
                yield _table_panel("Hardest cards", "hardest")
        yield KeyBar()  # one widget: Footer mounts and styles one per key

    def on_mount(self) -> None:
        self.query_one("#stats-body").focus()
        self.refresh_stats()

    def on_resize(self) -> None:
        self.set_class(self.size.width >= WIDE, "-wide")

    # computing

    def refresh_stats(self) -> None:
        """Compute the statistics for the current filters in a worker. One worker at a time:
        a filter changed meanwhile is computed when it ends, so a long first read of the
        history is never started over."""
        store = self.session.store
        query = StatsQuery(store.now(), store.rollover, store.tz, self.deck, self.range_name)
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
        try:
            history = self.history
            if history is None:
                reader = HistoryReader(session.store, lambda: worker.is_cancelled)
                history = self.history = reader.load()
            stats = compute_stats(
                history,
                states,
                session.library,
                session.store.scheduler,
                query,
                session.store.user,
            )
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

    def _computed(
        self, stats: dict[str, Any], inputs: tuple[StatsQuery, dict[str, CardState]]
    ) -> None:
        self._busy = False
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
        empty = self.query_one("#stats-empty", Static)
        empty.display = not has_history
        if not has_history:
            where = "in this deck " if stats["deck"] else ""
            empty.update(
                f"No reviews {where}yet. Drill a few cards (Escape, then Enter on a deck) and "
                "your progress, streak and retention show up here."
            )
        for name in HISTORY_PANELS:
            panel = self.query_one(f"#panel-{name}")
            if panel.display != has_history:
                panel.display = has_history
        self._show_today(stats)
        self._show_calendar(stats)
        self._show_reviews(stats)
        self._show_forecast(stats)
        s = stats["states"]
        self.query_one("#stats-states", ShareBar).update(
            [s[k] for k in ("new", "learning", "young", "mature", "suspended", "buried")]
        )
        self._show_retention(stats)
        self._show_answers(stats)
        self._show_readiness(stats)
        self._show_hardest(stats)

    def _show_today(self, stats: dict[str, Any]) -> None:
        n = stats["reviews_today"]
        if not n:
            text = "Nothing studied today yet."
        else:
            r = stats["ratings"]
            text = (
                f"{plural(n, 'review')} in {duration(stats['time_today_s'])} "
                f"({stats['seconds_per_card_today']}s a card) · {stats['new_today']} new · "
                f"{r['again']} again · {percent(stats['correct_today'])} correct"
            )
        text += f"\nDue now {stats['due_now']} · due today {stats['due_today']}"
        self.query_one("#stats-today", Static).update(text)

    def _show_calendar(self, stats: dict[str, Any]) -> None:
        days = [(date.fromisoformat(d["date"]), d["reviews"]) for d in stats["heatmap"]]
        studied = sum(1 for _, n in days if n)
        self.query_one("#stats-streak", Static).update(
            f"Streak {plural(stats['streak_days'], 'day')} · "
            f"longest {plural(stats['longest_streak_days'], 'day')} · "
            f"studied {studied} of the last {len(days)} days"
        )
        self.query_one("#stats-heatmap", Heatmap).update(days)

    def _show_reviews(self, stats: dict[str, Any]) -> None:
        rows = stats["reviews_by_day"]
        self.query_one("#stats-reviews", BarChart).update(
            [day_label(r["date"]) for r in rows],
            [[r["learn"], r["review"], r["relearn"]] for r in rows],
        )
        summary = stats["range_summary"]
        days = summary["days"]
        self.query_one("#stats-range-summary", Static).update(
            f"{RANGE_LABELS[stats['range']].capitalize()}: studied {summary['days_studied']} of "
            f"{days} days · {plural(summary['reviews'], 'review')} · "
            f"{duration(summary['time_s'])} · {summary['reviews_per_day']} a day"
        )

    def _show_forecast(self, stats: dict[str, Any]) -> None:
        rows = stats["forecast"]
        self.query_one("#stats-forecast", BarChart).update(
            [day_label(r["date"]) for r in rows], [[r["due"]] for r in rows]
        )
        week = sum(r["due"] for r in rows[:7])
        tomorrow = rows[1]["due"] if len(rows) > 1 else 0
        self.query_one("#stats-load", Static).update(
            f"Today {rows[0]['due'] if rows else 0} (with overdue) · tomorrow {tomorrow} · "
            f"next 7 days {week} · daily load ≈ {stats['daily_load']:g} reviews a day"
        )

    def _show_retention(self, stats: dict[str, Any]) -> None:
        names = {
            "today": "Today",
            "yesterday": "Yesterday",
            "week": "Last 7 days",
            "month": "Last 30 days",
            "year": "Last 365 days",
            "all_time": "All time",
        }

        def cell(c: dict[str, Any]) -> str:
            total = c["passed"] + c["failed"]
            return f"{percent(c['rate'])} ({c['passed']}/{total})" if total else NO_VALUE

        rows = []
        for key, label in names.items():
            row = stats["retention"][key]
            rows.append([label, cell(row["young"]), cell(row["mature"]), cell(row["all"])])
        self.query_one("#stats-retention", Static).update(
            text_table(["", "Young", "Mature", "All"], rows)
        )

    def _show_answers(self, stats: dict[str, Any]) -> None:
        rows = []
        for group, label in (("learn", "Learning"), ("young", "Young"), ("mature", "Mature")):
            b = stats["buttons"][group]
            total = sum(b.values())
            correct = (total - b["again"]) / total if total else None
            rows.append(
                [label, *(str(b[k]) for k in ("again", "hard", "good", "easy")), percent(correct)]
            )
        table = text_table(["", "Again", "Hard", "Good", "Easy", "Correct"], rows)
        answer = stats["answer_seconds"]
        if answer is not None:
            table.append(f"\nAverage answer time {answer}s. Reviews by hour of the day:")
        self.query_one("#stats-buttons", Static).update(table)
        hours = stats["hours"]
        again = [round(h["reviews"] * (1 - (h["correct"] or 0))) for h in hours]
        self.query_one("#stats-hours", BarChart).update(
            [f"{h['hour']}h" for h in hours],
            [[h["reviews"] - a, a] for h, a in zip(hours, again, strict=True)],
        )

    def _show_readiness(self, stats: dict[str, Any]) -> None:
        header = ["Cards", "Studied", "Due", "Retention", "Recall", "Ready"]

        def rows_of(rows: list[dict[str, Any]], key: str) -> list[list[str]]:
            return [
                [
                    clean(row[key]),  # deck names and tags are user data
                    str(row["cards"]),
                    str(row["studied"]),
                    str(row["due"]),
                    percent(row["retention"]),
                    percent(row["recall"]),
                    percent(row["ready"]),
                ]
                for row in rows
            ]

        self.query_one("#stats-decks", Static).update(
            text_table(["Deck", *header], rows_of(stats["by_deck"], "name"))
        )
        started = [r for r in stats["by_tag"] if r["studied"]]
        tags = sorted(started, key=lambda r: (r["ready"] or 0, r["tag"]))
        table = text_table(["Tag (weakest first)", *header], rows_of(tags[:TAGS_SHOWN], "tag"))
        more = [f"{len(tags) - TAGS_SHOWN} more"] if len(tags) > TAGS_SHOWN else []
        if len(started) < len(stats["by_tag"]):
            more.append(f"{len(stats['by_tag']) - len(started)} not started")
        if more:
            table.append(f"\nTags: {', '.join(more)} (all in flashprep stats --json)")
        self.query_one("#stats-tags", Static).update(table)

    def _show_hardest(self, stats: dict[str, Any]) -> None:
        rows = stats["hardest"]
        if not rows:
            self.query_one("#stats-hardest", Static).update(
                Text("No card gives you trouble yet: none failed, none fading.")
            )
            return
        table = text_table(
            ["Lapses", "Again", "Recall", "Deck", "Card"],
            [
                [
                    str(row["lapses"]),
                    str(row["agains"]),
                    percent(row["recall"]),
                    row["deck"],
                    " ".join(row["front"].split())[:200],
                ]
                for row in rows
            ],
            left=(3, 4),
        )
        self.query_one("#stats-hardest", Static).update(table)

    # keys

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
