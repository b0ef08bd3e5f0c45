"""The panels of the statistics screen, one widget each: every panel composes its own charts and
text and redraws them from the statistics report in `update(stats)`. The screen only lays them
out, computes the report in a worker and hides the panels that need a history.

The weak spots (readiness by deck and by tag, the hardest cards, the leeches) are row tables: a
row names what Enter drills (`DrillRows.target`), which the screen turns into cards."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar, NamedTuple

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from flashprep.core.stats.ranges import RANGE_LABELS
from flashprep.format import NO_VALUE, clip, duration, percent, plural
from flashprep.tui.widgets.charts import BarChart, Heatmap, Series, ShareBar, text_table
from flashprep.tui.widgets.plain import PlainStatic, fit_columns, plain

Report = dict[str, Any]
"""What core/stats/report.py's compute_stats returns (its keys are listed in the README)."""

TAGS_SHOWN = 15

PANELS_CSS = """
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
    .stats-rows {
        height: auto;
        max-height: 20;
    }
    .stats-note {
        color: $text-muted;
    }
"""
"""The panels' styles, part of the statistics screen's DEFAULT_CSS (the screen lays them out
two by two on a wide terminal)."""


def day_label(iso: str) -> str:
    """`2026-12-07` -> `Dec 7`, under the bars of a chart."""
    d = date.fromisoformat(iso)
    return f"{d.strftime('%b')} {d.day}"


class StatsPanel(Vertical):
    """A bordered panel `#panel-<NAME>` titled TITLE."""

    NAME: ClassVar[str] = ""
    TITLE: ClassVar[str] = ""
    NEEDS_HISTORY: ClassVar[bool] = True
    """Hidden while there are no reviews (the screen's friendly empty state shows instead)."""

    def __init__(self) -> None:
        super().__init__(id=f"panel-{self.NAME}", classes="stats-panel")
        self.border_title = self.TITLE

    def update(self, stats: Report) -> None:
        raise NotImplementedError


class TablePanel(StatsPanel):
    """A panel holding one text table, in Static `#stats-<NAME>`."""

    def compose(self) -> ComposeResult:
        yield Static(id=f"stats-{self.NAME}", classes="stats-table")

    def show(self, table: Text) -> None:
        self.query_one(f"#stats-{self.NAME}", Static).update(table)


class TodayPanel(StatsPanel):
    NAME, TITLE = "today", "Today"

    def compose(self) -> ComposeResult:
        yield PlainStatic(id="stats-today")

    def update(self, stats: Report) -> None:
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


class CalendarPanel(StatsPanel):
    NAME, TITLE = "calendar", "Calendar"

    def compose(self) -> ComposeResult:
        yield PlainStatic(id="stats-streak")
        yield Heatmap(id="stats-heatmap")

    def update(self, stats: Report) -> None:
        days = [(date.fromisoformat(d["date"]), d["reviews"]) for d in stats["heatmap"]]
        studied = sum(1 for _, n in days if n)
        self.query_one("#stats-streak", Static).update(
            f"Streak {plural(stats['streak_days'], 'day')} · "
            f"longest {plural(stats['longest_streak_days'], 'day')} · "
            f"studied {studied} of the last {len(days)} days"
        )
        self.query_one("#stats-heatmap", Heatmap).update(days)


class ReviewsPanel(StatsPanel):
    NAME, TITLE = "reviews", "Reviews per day"

    def compose(self) -> ComposeResult:
        yield BarChart(
            [Series("learn", "primary"), Series("review", "success"), Series("relearn", "error")],
            id="stats-reviews",
        )
        yield PlainStatic(id="stats-range-summary")

    def update(self, stats: Report) -> None:
        rows = stats["reviews_by_day"]
        self.query_one("#stats-reviews", BarChart).update(
            [day_label(r["date"]) for r in rows],
            [[r["learn"], r["review"], r["relearn"]] for r in rows],
        )
        summary = stats["range_summary"]
        self.query_one("#stats-range-summary", Static).update(
            f"{RANGE_LABELS[stats['range']].capitalize()}: studied {summary['days_studied']} of "
            f"{summary['days']} days · {plural(summary['reviews'], 'review')} · "
            f"{duration(summary['time_s'])} · {summary['reviews_per_day']} a day"
        )


class ForecastPanel(StatsPanel):
    NAME, TITLE = "forecast", "Due in the next 30 days"

    def compose(self) -> ComposeResult:
        yield BarChart([Series("due", "accent")], id="stats-forecast")
        yield PlainStatic(id="stats-load")

    def update(self, stats: Report) -> None:
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


class CardsPanel(StatsPanel):
    NAME, TITLE = "states", "Cards"
    NEEDS_HISTORY = False
    SERIES = (
        Series("new", "secondary"),
        Series("learning", "primary"),
        Series("young", "success-darken-2"),
        Series("mature", "success"),
        Series("suspended", "warning"),
        Series("buried", "foreground-darken-3"),
    )

    def compose(self) -> ComposeResult:
        yield ShareBar(list(self.SERIES), id="stats-states")

    def update(self, stats: Report) -> None:
        states = stats["states"]
        self.query_one("#stats-states", ShareBar).update([states[s.name] for s in self.SERIES])


class RetentionPanel(TablePanel):
    NAME, TITLE = "retention", "True retention"
    PERIODS = {
        "today": "Today",
        "yesterday": "Yesterday",
        "week": "Last 7 days",
        "month": "Last 30 days",
        "year": "Last 365 days",
        "all_time": "All time",
    }

    def update(self, stats: Report) -> None:
        def cell(c: dict[str, Any]) -> str:
            total = c["passed"] + c["failed"]
            return f"{percent(c['rate'])} ({c['passed']}/{total})" if total else NO_VALUE

        rows = []
        for key, label in self.PERIODS.items():
            row = stats["retention"][key]
            rows.append([label, cell(row["young"]), cell(row["mature"]), cell(row["all"])])
        self.show(text_table(["", "Young", "Mature", "All"], rows))


class AnswersPanel(StatsPanel):
    NAME, TITLE = "answers", "Answers"

    def compose(self) -> ComposeResult:
        yield Static(id="stats-buttons", classes="stats-table")
        yield BarChart(
            [Series("correct", "success"), Series("again", "error")],
            unit="hours",
            id="stats-hours",
        )

    def update(self, stats: Report) -> None:
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


class CalibrationPanel(TablePanel):
    """How well the memory model fits the user: predicted recall against the share recalled, bin
    by bin (the report's `calibration`, computed in the core), with the defaults beside fitted
    parameters."""

    NAME, TITLE = "calibration", "How well the model fits you"

    def compose(self) -> ComposeResult:
        yield from super().compose()
        yield PlainStatic(id="stats-calibration-note", classes="stats-note")

    def update(self, stats: Report) -> None:
        fit = stats.get("calibration")
        note = self.query_one("#stats-calibration-note", Static)
        if not fit or not fit["reviews"]:
            self.show(Text("No review a day or more after a card's previous one yet."))
            note.display = False
            return
        default = fit.get("default")
        fitted = fit["parameters"] == "fitted"
        sets = [fit, default] if fitted and default else [fit]
        names = ["Fitted", "Default"] if fitted else ["Model"]
        header = ["Predicted"]
        for name in names:
            header += [f"{name} said", "recalled", "reviews"]
        by_low = [{b["low"]: b for b in one["bins"]} for one in sets]
        lows = sorted({low for bins in by_low for low in bins})
        rows = []
        for low in lows:
            high = next(bins[low]["high"] for bins in by_low if low in bins)
            row = [f"{low:.0%}-{high:.0%}"]
            for bins in by_low:
                b = bins.get(low)
                row += (
                    [f"{b['predicted']:.1%}", f"{b['actual']:.1%}", f"{b['reviews']:,}"]
                    if b is not None
                    else [NO_VALUE] * 3
                )
            rows.append(row)
        table = text_table(header, rows)
        self.show(table)
        figures = (
            f"Log loss {_figure(fit['log_loss'])}"
            + (f" (default {_figure(default['log_loss'])})" if len(sets) > 1 else "")
            + f" · RMSE(bins) {_figure(fit['rmse_bins'])}"
            + (f" (default {_figure(default['rmse_bins'])})" if len(sets) > 1 else "")
        )
        which = "parameters fitted to you" if fitted else "default parameters"
        lines = [
            f"{fit['reviews']:,} reviews, {which}. {figures}: lower fits better.",
        ]
        if fit.get("advice"):
            lines.append(fit["advice"])
        note.update("\n".join(lines))
        note.display = True


def _figure(value: float | None) -> str:
    return NO_VALUE if value is None else f"{value:.4f}"


READINESS_COLUMNS = {
    "cards": "Cards",
    "studied": "Studied",
    "due": "Due",
    "retention": "Retention",
    "recall": "Recall",
    "ready": "Ready",
}
READINESS_DROPPED_FIRST = ("studied", "cards", "due")
"""What a narrow panel leaves out first: the meaning of the table (retention, recall, ready)
always stays."""

Cells = dict[str, str | Text]
"""A table row's cells by column key."""


def readiness_cells(row: dict[str, Any], key: str) -> Cells:
    """A row of the two readiness tables; `key` names the row (deck name or tag)."""
    return {
        "name": plain(row[key]),  # deck names and tags are user data
        "cards": str(row["cards"]),
        "studied": str(row["studied"]),
        "due": str(row["due"]),
        "retention": percent(row["retention"]),
        "recall": percent(row["recall"]),
        "ready": percent(row["ready"]),
    }


class Target(NamedTuple):
    """What Enter on a row drills: a deck's or a tag's cards (`value` names it), or `cards`,
    the table's cards with the chosen one first."""

    kind: str
    """"deck", "tag" or "cards"."""
    value: str
    cards: tuple[str, ...] = ()


class DrillRows(StatsPanel):
    """A panel holding a row table `#stats-<NAME>` (Enter on a row drills its cards) and a line
    of notes under it, `#stats-<NAME>-note`. The table fits the panel's width (it never
    scrolls sideways): the columns in DROPPED_FIRST are left out, in that order, until the
    FLEX column (a name or a question) has its width; a cut shows an ellipsis."""

    COLUMNS: ClassVar[dict[str, str]] = {}
    FLEX: ClassVar[str] = "name"
    DROPPED_FIRST: ClassVar[tuple[str, ...]] = ()
    FLEX_WANTS: ClassVar[int] = 40
    KIND: ClassVar[str] = "cards"

    SUBTITLE: ClassVar[str] = "Tab, then Enter on a row: drill"

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[str, Cells]] = []
        self.shown_width = 0

    def compose(self) -> ComposeResult:
        table: DataTable[str | Text] = DataTable(
            id=f"stats-{self.NAME}", classes="stats-rows", cursor_type="row", zebra_stripes=True
        )
        table.add_columns(*self.COLUMNS.values())
        yield table
        yield PlainStatic(id=f"stats-{self.NAME}-note", classes="stats-note")

    @property
    def table(self) -> DataTable[str | Text]:
        return self.query_one(f"#stats-{self.NAME}", DataTable)

    def show(self, rows: list[tuple[str, Cells]], note: str = "") -> None:
        """Rows as (the key Enter drills, the cells by column)."""
        self.rows = rows
        if self.content_size.width:  # else once laid out (on_resize): no rows cut to nothing
            self.fill()
        table = self.table
        table.display = bool(rows)
        self.border_subtitle = self.SUBTITLE if rows else ""
        note_line = self.query_one(f"#stats-{self.NAME}-note", Static)
        note_line.update(note)
        note_line.display = bool(note)

    def on_resize(self) -> None:
        if self.content_size.width != self.shown_width:
            self.fill()

    def fill(self) -> None:
        """The table's columns and rows for the panel's width (none until it is laid out)."""
        table = self.table
        cursor = table.cursor_row
        self.shown_width = room = self.content_size.width
        widths = {
            key: max([len(label)] + [len(str(cells[key])) for _, cells in self.rows])
            for key, label in self.COLUMNS.items()
        }
        # the table's scroll bar takes 2 cells
        keys, flex = fit_columns(widths, self.FLEX, self.DROPPED_FIRST, room - 2, self.FLEX_WANTS)
        table.clear(columns=True)
        for key in keys:
            width = flex if key == self.FLEX else widths[key]
            table.add_column(self.COLUMNS[key], key=key, width=width)
        for row_key, cells in self.rows:
            shown = dict(cells)
            shown[self.FLEX] = Text(clip(str(cells[self.FLEX]), flex))
            table.add_row(*(shown[key] for key in keys), key=row_key)
        if self.rows:
            table.move_cursor(row=min(cursor, len(self.rows) - 1))

    def row_keys(self) -> list[str]:
        return [str(row.key.value) for row in self.table.ordered_rows]

    def target(self, row: int | None = None) -> Target | None:
        """What the row under the cursor (or `row`) drills."""
        keys = self.row_keys()
        index = self.table.cursor_row if row is None else row
        if not 0 <= index < len(keys):
            return None
        chosen = keys[index]
        if self.KIND != "cards":
            return Target(self.KIND, chosen)
        return Target("cards", chosen, (chosen, *(k for k in keys if k != chosen)))


class DeckReadinessPanel(DrillRows):
    NAME, TITLE = "decks", "Readiness by deck"
    NEEDS_HISTORY = False
    COLUMNS = {"name": "Deck"} | READINESS_COLUMNS
    DROPPED_FIRST = READINESS_DROPPED_FIRST
    KIND = "deck"

    def update(self, stats: Report) -> None:
        self.show([(row["id"], readiness_cells(row, "name")) for row in stats["by_deck"]])


class TagReadinessPanel(DrillRows):
    NAME, TITLE = "tags", "Readiness by tag"
    COLUMNS = {"name": "Tag (weakest first)"} | READINESS_COLUMNS
    DROPPED_FIRST = READINESS_DROPPED_FIRST
    KIND = "tag"

    def update(self, stats: Report) -> None:
        started = [r for r in stats["by_tag"] if r["studied"]]
        tags = sorted(started, key=lambda r: (r["ready"] or 0, r["tag"]))
        rows = [(row["tag"], readiness_cells(row, "tag")) for row in tags[:TAGS_SHOWN]]
        more = [f"{len(tags) - TAGS_SHOWN} more"] if len(tags) > TAGS_SHOWN else []
        if len(started) < len(stats["by_tag"]):
            more.append(f"{len(stats['by_tag']) - len(started)} not started")
        self.show(rows, f"Tags: {', '.join(more)} (all in flashprep stats --json)" if more else "")


CARD_COLUMNS = {"lapses": "Lapses", "again": "Again", "recall": "Recall", "deck": "Deck"}
CARD_COLUMNS |= {"card": "Card"}
CARD_DROPPED_FIRST = ("again", "deck")
"""What a narrow panel leaves out first: the question, its lapses and its recall stay."""


def card_cells(row: dict[str, Any]) -> Cells:
    return {
        "lapses": str(row["lapses"]),
        "again": str(row["agains"]),
        "recall": percent(row["recall"]),
        "deck": plain(row["deck_name"]),  # the name a person reads; the id stays in the JSON
        "card": plain(" ".join(row["front"].split())),
    }


class HardestPanel(DrillRows):
    NAME, TITLE = "hardest", "Hardest cards"
    COLUMNS = CARD_COLUMNS
    FLEX, DROPPED_FIRST, FLEX_WANTS = "card", CARD_DROPPED_FIRST, 60

    def update(self, stats: Report) -> None:
        rows = [(row["card"], card_cells(row)) for row in stats["hardest"]]
        self.show(rows, "" if rows else "No card gives you trouble yet: none failed, none fading.")


LEECH_ROWS = 200
"""The leeches listed on the screen, most lapses first: a decade of Anki history can hold
thousands, a table of them took most of the screen's time at a million reviews, and nobody reads
past the first few hundred (the browser's `is:leech` lists them all)."""


class LeechesPanel(DrillRows):
    NAME, TITLE = "leeches", "Leeches"
    COLUMNS = CARD_COLUMNS
    FLEX, DROPPED_FIRST, FLEX_WANTS = "card", CARD_DROPPED_FIRST, 60

    def update(self, stats: Report) -> None:
        leeches = stats["leeches"]
        threshold = plural(stats["leech_lapses"], "lapse")
        rows = [(row["card"], card_cells(row)) for row in leeches[:LEECH_ROWS]]
        suspended = sum(1 for row in leeches if row["suspended"])
        if leeches:
            count = len(leeches)
            note = f"{count:,} {'leech' if count == 1 else 'leeches'} ({threshold} or more)"
            note += f", {suspended:,} suspended" if suspended else ""
            note += ": rewrite them, split them, or add a hint."
            if count > LEECH_ROWS:
                note += f" The {LEECH_ROWS} with the most lapses are listed; is:leech in the"
                note += " browser finds them all."
        else:
            note = f"No leech: no card has {threshold} or more."
        self.border_title = f"{self.TITLE} ({len(leeches):,})"
        self.show(rows, note)


PANELS: tuple[type[StatsPanel], ...] = (
    TodayPanel,
    CalendarPanel,
    ReviewsPanel,
    ForecastPanel,
    CardsPanel,
    RetentionPanel,
    AnswersPanel,
    CalibrationPanel,
    DeckReadinessPanel,
    TagReadinessPanel,
    HardestPanel,
    LeechesPanel,
)
"""In the order they are laid out (two by two on a wide terminal)."""
