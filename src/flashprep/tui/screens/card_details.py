"""One card's whole story: its question and answer (first, so the answer shows at 80x24), where
it lives, its schedule now, every grade and action in its history, and the STAR stories linked
to it (beside the card on a wide terminal); the browser's actions work here on this one card."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Rule, Static

from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.scheduling.scheduler import RATINGS
from flashprep.core.text import clean, one_line
from flashprep.format import NO_VALUE, duration, interval, percent, relative_day, stopwatch
from flashprep.tui.screens.card_actions import ACTION_BINDINGS, ACTION_HELP, CardActionsScreen
from flashprep.tui.widgets.card import CardMarkdown, KeyBar
from flashprep.tui.widgets.plain import PlainStatic, plain

if TYPE_CHECKING:
    from flashprep.core.browse.details import CardDetails, HistoryRow
    from flashprep.core.interview.stories import StoryBank
    from flashprep.tui.session import Session


def facts(details: CardDetails, today_text: str) -> str:
    """The card's place and schedule, a few short lines of `label: value` pairs."""

    def number(value: float | None, unit: str = "") -> str:
        return NO_VALUE if value is None else f"{value:.1f}{unit}"

    due = NO_VALUE
    if details.due is not None:
        due = f"{details.due.isoformat()} ({today_text})"
    days = details.interval_days
    recall = f"Recall now: {percent(details.recall_now)}"
    if details.interview_date is not None:
        recall += (
            f" · on the interview day ({details.interview_date.isoformat()}): "
            f"{percent(details.recall_on_date)}"
        )
    average = NO_VALUE if details.average_ms is None else duration(details.average_ms / 1000)
    lines = [
        f"Deck: {details.deck_name} ({details.deck_id})",
        f"Tags: {', '.join(details.tags) or NO_VALUE} · Level: {details.level or NO_VALUE}"
        f" · Target time: {stopwatch(details.target_seconds)}",
        f"State: {details.status} · Due: {due}"
        f" · Interval: {NO_VALUE if days is None else interval(timedelta(days=days))}",
        f"Stability: {number(details.stability, ' days')} · "
        f"Difficulty: {number(details.difficulty)} · {recall}",
        f"Reviews: {details.reps} · Lapses: {details.lapses} · Average answer time: {average}",
    ]
    return "\n".join(one_line(line) for line in lines)


def history_cells(row: HistoryRow, session: Session) -> list[Text]:
    """One history row: when, what (a grade's name or the action), the interval after, the time
    taken and the mode (drill, mock, import)."""
    at = row.at.astimezone(session.store.tz).strftime("%Y-%m-%d %H:%M")
    if row.rating is not None:
        name = next((label for r, label in RATINGS.items() if r == row.rating), "?")
        what = f"{row.rating} {name}"
    else:
        what = row.action
    after = NO_VALUE if row.interval_days is None else interval(timedelta(days=row.interval_days))
    taken = duration(row.ms / 1000) if row.ms else NO_VALUE
    return [
        Text(at),
        plain(what),
        Text(after, justify="right"),
        Text(taken, justify="right"),
        plain(row.mode),
    ]


TWO_COLUMNS = 140
"""From this width the card (question and answer) and its record (schedule, history, stories)
stand side by side: the card keeps a readable measure, the record about 70 columns."""


class CardDetailsScreen(CardActionsScreen):
    DEFAULT_CSS = """
    #details {
        padding: 0 1;
    }
    #details-title {
        text-style: bold;
        color: $primary;
        padding: 1 0 0 0;
    }
    #details-hint, #details-facts, #details-stories {
        color: $text-muted;
        height: auto;
    }
    #details-facts {
        padding: 1 0;
    }
    .details-heading {
        text-style: bold;
        padding: 1 0 0 0;
    }
    #details-history {
        height: auto;
        max-height: 20;
    }
    #details-columns {
        height: auto;
    }
    #details-card {
        width: 1fr;
        max-width: 100;
        height: auto;
        padding: 0 2 0 0;
    }
    #details-record {
        width: 72;
        height: auto;
    }
    #details-columns.-stacked {
        layout: vertical;
    }
    #details-columns.-stacked #details-card, #details-columns.-stacked #details-record {
        width: 100%;
        max-width: 100%;
        padding: 0;
    }
    """

    HELP = (
        """\
## Card details

The card as it is shown in a drill (its answer below the question), where it lives, its
schedule now (state, due day, interval, stability and difficulty, predicted recall now and on
your interview day), and every grade and action in its history, oldest first; on a wide
terminal the schedule and history stand beside the card.

"""
        + ACTION_HELP
        + """
**↑ ↓ PgUp PgDn** scroll; **Escape** goes back.
"""
    )

    BINDINGS: ClassVar[list[BindingType]] = [
        *ACTION_BINDINGS,
        Binding("escape", "leave", "Back", id="details_back"),
    ]

    def __init__(self, session: Session, key: str) -> None:
        super().__init__(session)
        self.key = key

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="details"):
            yield PlainStatic(id="details-title")
            with Horizontal(id="details-columns"):
                # the card first, its answer in view at 80x24; its record beside it when wide
                with Vertical(id="details-card"):
                    yield CardMarkdown(id="details-front")
                    yield PlainStatic(id="details-hint")
                    yield PlainStatic("Answer", classes="details-heading")
                    yield Rule()
                    yield CardMarkdown(id="details-back")
                with Vertical(id="details-record"):
                    yield PlainStatic(id="details-facts")
                    yield PlainStatic("History", classes="details-heading")
                    yield DataTable(id="details-history", cursor_type="row", zebra_stripes=True)
                    yield PlainStatic("Linked STAR stories", classes="details-heading")
                    yield PlainStatic(id="details-stories")
        yield KeyBar()

    def on_resize(self) -> None:
        """Side by side from TWO_COLUMNS wide; one column below that."""
        wide = self.size.width >= TWO_COLUMNS
        self.query_one("#details-columns").set_class(not wide, "-stacked")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, label in (
            ("at", "Date"),
            ("what", "Grade / action"),
            ("interval", "Interval after"),
            ("time", "Time"),
            ("mode", "Mode"),
        ):
            table.add_column(label, key=key)
        self.show()
        self.query_one("#details", VerticalScroll).focus()

    def _stories(self) -> StoryBank | None:
        try:
            return self.session.stories.load()
        except DataFileError as exc:
            self.notify(
                one_line(str(exc)), title="Stories not read", severity="error", markup=False
            )
            return None

    def show(self) -> None:
        """Show the card as it is now (after an action or an edit, too)."""
        from flashprep.core.browse.details import card_details

        session = self.session
        try:
            details = card_details(session.library, session.store, self.key, self._stories())
        except KeyError:
            self.notify(f"No card {one_line(self.key)!r} any more.", markup=False)
            self.dismiss()
            return
        today = session.store.today()
        self.query_one("#details-title", Static).update(
            f"{details.deck_name} · {one_line(details.key)}"
        )
        self.query_one("#details-front", CardMarkdown).show(clean(details.front))
        self.query_one("#details-back", CardMarkdown).show(clean(details.back))
        hint = self.query_one("#details-hint", Static)
        hint.update(f"Hint: {details.hint}" if details.hint else "")
        hint.display = bool(details.hint)
        self.query_one("#details-facts", Static).update(
            facts(details, relative_day(details.due, today))
        )
        table = self.query_one(DataTable)
        table.clear()
        for row in details.history:
            table.add_row(*history_cells(row, session))
        if not details.history:
            table.add_row(Text(NO_VALUE), Text("never graded"), Text(), Text(), Text())
        stories = self.query_one("#details-stories", Static)
        stories.update("\n".join(f"• {one_line(t)}" for t in details.stories) or "None linked.")

    # the card actions on this one card

    def targets(self) -> list[str]:
        return [self.key]

    def current_key(self) -> str | None:
        return self.key

    def cards_changed(self, keys: list[str] | None, content: bool) -> None:
        self.show()

    def cards_deleted(self, keys: list[str]) -> None:
        self.dismiss()

    def action_leave(self) -> None:
        self.dismiss()
