"""The end of a drill: how it went and when the next cards are due."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer

from flashprep.core.study.drill import Summary
from flashprep.format import interval
from flashprep.tui.messages import ShowDecks, ShowStats
from flashprep.tui.widgets.plain import PlainStatic


def summary_text(summary: Summary, now: datetime) -> str:
    minutes, seconds = divmod(int(summary.seconds), 60)
    lines = [
        "Drill complete" if summary.graded else "Nothing to drill right now",
        "",
        f"Cards graded     {summary.graded}",
        f"Time answering   {minutes}m {seconds:02d}s",
        f"Again            {summary.again}",
    ]
    if summary.learning_later:
        lines.append(f"Still learning   {summary.learning_later} (back later today)")
    if summary.next_due is not None:
        lines.append(f"Next card due    in {interval(summary.next_due - now)}")
    lines.append(f"Due by tomorrow  {summary.due_tomorrow}")
    if summary.held_back:
        lines += [
            "",
            f"{summary.held_back} more reviews wait for tomorrow: today's limit is "
            f"{summary.review_limit} (reviews_per_day in profile.toml)",
        ]
    return "\n".join(lines)


class SummaryScreen(Screen[None]):
    DEFAULT_CSS = """
    #summary {
        padding: 1 2;
    }
    #summary-text {
        border: round $primary;
        padding: 1 2;
        width: auto;
        max-width: 70;
    }
    """

    HELP = """\
## Drill summary

What you just did, and when cards come back. **Enter** or **Escape** returns to the decks;
**s** shows your statistics.
"""

    BINDINGS = [
        Binding("enter", "back", "Decks", id="back", priority=True),
        Binding("escape", "back", "Decks", show=False, id="back_esc"),
        Binding("s", "stats", "Stats", id="stats_summary"),
        Binding("q", "app.quit", "Quit", id="quit_summary"),
    ]

    def __init__(self, summary: Summary, now: datetime) -> None:
        super().__init__()
        self.summary = summary
        self.now = now
        """When the drill ended: "next card due in ..." counts from here."""

    def compose(self) -> ComposeResult:
        with Vertical(id="summary"):
            yield PlainStatic(summary_text(self.summary, self.now), id="summary-text")
        yield Footer()

    def action_back(self) -> None:
        self.post_message(ShowDecks())

    def action_stats(self) -> None:
        self.post_message(ShowStats())
