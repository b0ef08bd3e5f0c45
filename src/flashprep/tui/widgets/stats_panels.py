"""The panels of the statistics screen, one widget each: every panel composes its own charts and
text and redraws them from the statistics report in `update(stats)`. The screen only lays them
out, computes the report in a worker and hides the panels that need a history."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from flashprep.core.stats.ranges import RANGE_LABELS
from flashprep.core.text import clean
from flashprep.format import NO_VALUE, duration, percent, plural
from flashprep.tui.widgets.charts import BarChart, Heatmap, Series, ShareBar, text_table
from flashprep.tui.widgets.plain import PlainStatic

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


READINESS_HEADER = ["Cards", "Studied", "Due", "Retention", "Recall", "Ready"]


def readiness_rows(rows: list[dict[str, Any]], key: str) -> list[list[str]]:
    """Rows of the two readiness tables; `key` names the row (deck name or tag)."""
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


class DeckReadinessPanel(TablePanel):
    NAME, TITLE = "decks", "Readiness by deck"
    NEEDS_HISTORY = False

    def update(self, stats: Report) -> None:
        rows = readiness_rows(stats["by_deck"], "name")
        self.show(text_table(["Deck", *READINESS_HEADER], rows))


class TagReadinessPanel(TablePanel):
    NAME, TITLE = "tags", "Readiness by tag"

    def update(self, stats: Report) -> None:
        started = [r for r in stats["by_tag"] if r["studied"]]
        tags = sorted(started, key=lambda r: (r["ready"] or 0, r["tag"]))
        rows = readiness_rows(tags[:TAGS_SHOWN], "tag")
        table = text_table(["Tag (weakest first)", *READINESS_HEADER], rows)
        more = [f"{len(tags) - TAGS_SHOWN} more"] if len(tags) > TAGS_SHOWN else []
        if len(started) < len(stats["by_tag"]):
            more.append(f"{len(stats['by_tag']) - len(started)} not started")
        if more:
            table.append(f"\nTags: {', '.join(more)} (all in flashprep stats --json)")
        self.show(table)


class HardestPanel(TablePanel):
    NAME, TITLE = "hardest", "Hardest cards"

    def update(self, stats: Report) -> None:
        rows = stats["hardest"]
        if not rows:
            self.show(Text("No card gives you trouble yet: none failed, none fading."))
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
        self.show(table)


PANELS: tuple[type[StatsPanel], ...] = (
    TodayPanel,
    CalendarPanel,
    ReviewsPanel,
    ForecastPanel,
    CardsPanel,
    RetentionPanel,
    AnswersPanel,
    DeckReadinessPanel,
    TagReadinessPanel,
    HardestPanel,
)
"""In the order they are laid out (two by two on a wide terminal)."""
