"""The end of a drill: how it went and when the next cards are due."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen

from flashprep.core.study.drill import Summary
from flashprep.core.study.nextsteps import Offer, offers
from flashprep.core.study.today import DayProgress, day_progress
from flashprep.format import interval, plural
from flashprep.tui.messages import ShowDecks, ShowStats, StartDrill
from flashprep.tui.widgets.card import KeyBar
from flashprep.tui.widgets.plain import PlainStatic

if TYPE_CHECKING:
    from flashprep.tui.session import Session


def summary_text(summary: Summary, now: datetime, progress: DayProgress | None = None) -> str:
    """The summary: this drill's own figures, then the day's in the drilled decks (which count
    grades given before this drill too, so each block says which it is)."""
    minutes, seconds = divmod(int(summary.seconds), 60)
    if summary.left:
        title = f"Drill stopped: {plural(summary.left, 'card')} left"
    else:
        title = "Drill complete" if summary.graded else "Nothing to drill right now"
    lines = [
        title,
        "",
        "This drill",
        f"  Cards graded     {summary.graded}",
        f"  Time answering   {minutes}m {seconds:02d}s",
        f"  Again            {summary.again}",
    ]
    if summary.learning_later:
        lines.append(f"  Still learning   {summary.learning_later} (back later today)")
    if progress is not None:
        lines += [
            "Today in these decks, this drill included",
            f"  Cards done       {progress.done} of {progress.done + progress.left}",
            f"  New cards        {progress.new_done} of {progress.new_limit} (all decks)",
        ]
    if summary.next_due is not None:
        lines.append(f"Next card due      in {interval(summary.next_due - now)}")
    lines.append(f"Due by tomorrow    {summary.due_tomorrow}")
    if summary.held_back:
        lines += [
            "",
            f"{summary.held_back} more reviews wait for tomorrow: today's limit is "
            f"{summary.review_limit} (reviews_per_day in profile.toml)",
        ]
    if summary.left:
        lines += [
            "",
            f"{plural(summary.left, 'card')} of this drill not shown yet: start it again to "
            "see them.",
        ]
    else:
        lines += ["", "Why nothing is left:", *(f"  {r}" for r in reasons(summary, now))]
    shown = offers(summary)
    if shown:
        lines += ["", *(f"{o.key}  {o.label}" for o in shown)]
    return "\n".join(lines)


def reasons(summary: Summary, now: datetime) -> list[str]:
    """Why no card is left, from what the drilled cards are now."""
    if summary.mode == "practice":
        return ["every card of the practice was shown"]
    if summary.mode == "ahead":
        return ["no more cards due in the days asked for"]
    out: list[str] = []
    if summary.new_waiting and summary.mode == "drill":
        out.append(
            f"today's new-card limit is reached ({summary.new_limit} a day); "
            f"{plural(summary.new_waiting, 'new card')} wait"
        )
    if summary.held_back:
        out.append(f"today's review limit is reached ({summary.review_limit} a day)")
    if summary.buried or summary.suspended:
        out.append(
            f"{plural(summary.buried, 'card')} buried until tomorrow, {summary.suspended} suspended"
        )
    if summary.next_due is not None:
        out.append(f"nothing else is due for {interval(summary.next_due - now)}")
    elif not out:
        out.append("these decks hold no cards to study")
    return out


MEASURE = 76
"""The summary box's widest (border included): lines longer than this wrap."""
LEAST = 50
"""Its narrowest, so that it reads as the same box after a short drill and a long one."""


class SummaryScreen(Screen[None]):
    DEFAULT_CSS = """
    #summary {
        padding: 1 2;
        align: center middle;
        overflow-y: auto;
    }
    #summary-text {
        border: round $primary;
        padding: 1 2;
        width: auto;
    }
    """

    HELP = """\
## Drill summary

What you just did in this drill, how much of today is done in the drilled decks (grades given
before this drill included), when cards come back, and why nothing is left (or how many cards a
drill stopped with **q** left). **Enter** or **Escape** returns
to the decks; **s** shows your statistics. When more can be studied today it is offered:
**n** studies more new cards today (on top of the day's limit), **r** reviews ahead (cards due in
the next days).
"""

    BINDINGS = [
        Binding("enter", "back", "Decks", id="back", priority=True),
        Binding("escape", "back", "Decks", show=False, id="back_esc"),
        Binding("s", "stats", "Stats", id="stats_summary"),
        Binding("n", "offer('n')", "More new", id="more_new"),
        Binding("r", "offer('r')", "Review ahead", id="review_ahead"),
        Binding("q", "app.quit", "Quit", id="quit_summary"),
    ]

    def __init__(self, summary: Summary, now: datetime, session: Session | None = None) -> None:
        super().__init__()
        self.summary = summary
        self.now = now
        """When the drill ended: "next card due in ..." counts from here."""
        self.progress = (
            day_progress(session.library, session.store, summary.deck_ids, summary.extra_new)
            if session is not None
            else None
        )
        """How much of today is done in the drilled decks (with the session to ask)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="summary"):
            text = summary_text(self.summary, self.now, self.progress)
            yield PlainStatic(text, id="summary-text")
        yield KeyBar()  # `? Help` kept at any width

    def on_resize(self) -> None:
        """The box keeps to a readable measure and to the screen (less its margins), so a
        narrow terminal wraps its lines instead of cutting them."""
        room = self.size.width - 6  # the screen's margins and its scroll bar
        box = self.query_one("#summary-text").styles
        box.max_width = max(20, min(MEASURE, room))
        box.min_width = max(20, min(LEAST, room))

    def _offer(self, key: str) -> Offer | None:
        return next((o for o in offers(self.summary) if o.key == key), None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "offer":
            return self._offer(str(parameters[0])) is not None
        return True

    def action_offer(self, key: str) -> None:
        offer = self._offer(key)
        if offer is not None:  # the new drill takes this summary's place (its own comes after it)
            deck_ids = self.summary.deck_ids
            app = self.app
            app.pop_screen()
            app.post_message(
                StartDrill(list(deck_ids) if deck_ids is not None else None, options=offer.options)
            )

    def action_back(self) -> None:
        self.post_message(ShowDecks())

    def action_stats(self) -> None:
        self.post_message(ShowStats())
