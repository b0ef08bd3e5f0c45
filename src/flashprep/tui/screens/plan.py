"""The interview plan: the date, readiness per topic (predicted recall now and on the date, reviews
still needed, answer times), and drills of the weakest cards."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual.worker import Worker, WorkerState

from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.interview.opendrill import open_drill
from flashprep.core.interview.plan import (
    TodayPlan,
    TopicReadiness,
    readiness,
    today_plan,
    weakest_cards,
)
from flashprep.core.interview.projection import Forecast, forecast
from flashprep.core.interview.timing import TopicTimes, time_by_topic
from flashprep.core.stats.optimize import forecast_shift
from flashprep.core.storage.logread import read_all
from flashprep.core.study.drill import Drill
from flashprep.core.text import one_line
from flashprep.format import NO_VALUE, clip, forecast_sentence, interview_countdown, percent
from flashprep.tui.screens import SHARED_CSS
from flashprep.tui.screens.confirm import ConfirmScreen
from flashprep.tui.widgets.card import KeyBar
from flashprep.tui.widgets.plain import PlainStatic, plain
from flashprep.tui.widgets.plain import fit_columns as fit_table

if TYPE_CHECKING:
    from flashprep.core.storage.profile import Interview
    from flashprep.tui.session import Session


COLUMNS = {
    "topic": "Topic",
    "cards": "Cards",
    "new": "New",
    "now": "Recall now",
    "date": "On date",
    "below": "Below",
    "reviews": "Reviews",
    "time": "Mean time",
    "over": "Over time",
}
DROPPED_FIRST = ("over", "time", "cards", "now", "reviews")
"""The columns a narrow screen leaves out, first to last: the topic, its new cards and what the
date needs (recall on the date, cards below the target) always stay."""
TOPIC_WANTS = 40
"""Columns are dropped until the topic names get all the cells they need, up to this many (a
longer name is cut with an ellipsis rather than hide a column)."""


def fit_columns(widths: dict[str, int], room: int) -> tuple[list[str], int]:
    """The columns to show in `room` cells and the width left for the topic (see
    widgets.plain.fit_columns): the least needed go first, until the topics have their width
    (up to TOPIC_WANTS)."""
    return fit_table(widths, "topic", DROPPED_FIRST, room, TOPIC_WANTS)


@dataclass
class PlanData:
    topics: list[TopicReadiness]
    today: TodayPlan | None
    times: dict[str, TopicTimes]
    error: str = ""
    forecast: Forecast | None = None


class PlanScreen(Screen[None]):
    PLACE = "Plan"
    """What a key that returns here calls this screen (the drill's `esc Plan`)."""
    CSS_PATH = SHARED_CSS
    HELP = """\
## Interview plan

Set the date of your interview (**e**) and, until then, drills prepare you for that day within
your minutes a day (`daily_minutes` in `flashprep config`, 30 by default): the reviews due,
cards whose predicted recall on the date is below your target (90 % by default) and new cards
are chosen by how much recall on the date each gains per minute, and shown best first (the
suggested new cards a day may raise or lower your own daily limit). After the date, normal
scheduling resumes.

The line under the date is the forecast: the recall predicted on the date if you study your
minutes a day, at the pace of your last week, and the minutes a day that would reach the target.

The table shows each topic (deck), weakest first: cards, new cards not introduced yet (buried
ones aside, as on the home screen), predicted recall now and on
the date (FSRS retrievability; new cards count as 0), cards below the target on the date as
things stand, the reviews still needed if you follow the plan, and your answer times (mean, and
how often you ran over the target).

- **w** drills your weakest cards: the lowest predicted recall on the date.
- **Enter** drills the highlighted topic's weakest cards (its new cards when none is studied).
- **e** sets the date, decks and target; **x** clears the date; **Escape** goes back.
"""

    BINDINGS = [
        Binding("e", "edit", "Set date", id="edit_plan"),
        Binding("x", "clear", "Clear date", id="clear_plan"),
        Binding("w", "weakest", "Drill weakest", id="drill_weakest"),
        Binding("enter", "drill_topic", "Drill topic", id="drill_topic", priority=True),
        Binding("escape", "back", "Back", id="back_plan"),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.data: PlanData | None = None
        self.title_text = ""
        """The title in full (it is cut to the screen's width)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="plan"):
            yield PlainStatic(id="plan-title")
            yield PlainStatic(id="plan-status")
            yield DataTable(id="readiness", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.refresh_plan()

    def on_screen_resume(self) -> None:
        self.refresh_plan()

    def refresh_plan(self) -> None:
        """Recompute in a thread: readiness simulates every card, times read the whole log."""
        interview = self.session.store.profile.interview
        days_left = (interview.date - self.session.store.today()).days if interview else None
        title = (
            interview_countdown(interview.date if interview else None, days_left)
            or "No interview date set"
        )
        if interview is not None:
            library = self.session.library
            names = [one_line(d.name) if (d := library.get(i)) else i for i in interview.decks]
            title += f" · target {interview.target_recall:.0%} · {', '.join(names) or 'all decks'}"
        self.title_text = title
        self.query_one("#plan-title", Static).update(clip(title, self.size.width - 2))
        self.query_one("#plan-status", Static).update("Computing…")
        library, store = self.session.library, self.session.store

        def compute() -> None:
            error = ""
            shift = 0.0
            try:
                times = {t.topic: t for t in time_by_topic(library, read_all(store.paths.reviews))}
                shift = forecast_shift(store) if interview is not None else 0.0
            except DataFileError as exc:
                times, error = {}, str(exc)
            data = PlanData(
                readiness(library, store, shift=shift),
                today_plan(library, store),
                times,
                error,
                forecast(library, store, shift=shift),
            )
            self.app.call_from_thread(self.show_data, data)

        self.run_worker(compute, thread=True, exclusive=True, group="plan", exit_on_error=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A computation that failed says so, instead of "Computing…" for ever."""
        if event.worker.group == "plan" and event.state == WorkerState.ERROR:
            error = f"Could not compute the plan: {event.worker.error}"
            self.query_one("#plan-status", Static).update(one_line(error))

    def show_data(self, data: PlanData) -> None:
        self.data = data
        interview = self.session.store.profile.interview
        own = self.session.store.profile.settings.new_per_day
        plan = data.today
        if interview is None:
            status = "Press e to set the date of your interview."
        elif plan is None:
            status = "The date has come: normal scheduling again. Good luck!"
        else:
            status = (
                f"Today: {len(plan.bring_forward)} cards brought forward · "
                f"{plan.new_left} new cards left, {plan.new_per_day} a day suggested "
                f"(your limit: {own})"
            )
            if data.forecast is not None:
                status += "\n" + forecast_sentence(data.forecast)
        if data.error:
            status += f"\nAnswer times not read: {data.error}"
        self.query_one("#plan-status", Static).update(status)
        self.fill_table()

    def on_resize(self) -> None:
        if self.title_text:
            self.query_one("#plan-title", Static).update(clip(self.title_text, self.size.width - 2))
        if self.data is not None:
            self.fill_table()

    def fill_table(self) -> None:
        """The readiness table, with the columns the screen's width leaves room for (see
        fit_columns) and topic names cut with an ellipsis only when they must be."""
        data = self.data
        if data is None:
            return
        rows: list[dict[str, str | Text]] = []
        for topic in data.topics:
            times = data.times.get(topic.topic)
            below = Text(NO_VALUE) if topic.below_target is None else Text(str(topic.below_target))
            if topic.below_target:
                below.stylize("bold red")
            needed = topic.reviews_needed
            rows.append(
                {
                    "topic": plain(topic.name),
                    "cards": str(topic.cards),
                    "new": str(topic.new),
                    "now": percent(topic.recall_now),
                    "date": percent(topic.recall_on_date),
                    "below": below,
                    "reviews": NO_VALUE if needed is None else str(needed),
                    "time": f"{times.mean_s:.0f}s / {times.target_s:.0f}s" if times else NO_VALUE,
                    "over": percent(times.over_share) if times else NO_VALUE,
                }
            )
        widths = {
            key: max([len(label)] + [len(str(row[key])) for row in rows])
            for key, label in COLUMNS.items()
        }
        keys, topic_width = fit_columns(widths, self.size.width - 4)  # padding and scroll bar
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        table.clear(columns=True)
        for key in keys:
            table.add_column(COLUMNS[key], key=key, width=topic_width if key == "topic" else None)
        for topic, row in zip(data.topics, rows, strict=True):
            row["topic"] = clip(str(row["topic"]), topic_width)
            table.add_row(*(row[key] for key in keys), key=topic.topic)
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1))

    def highlighted_topic(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return str(row_key.value)

    # keys

    def action_edit(self) -> None:
        from flashprep.tui.screens.plan_form import PlanFormScreen

        def saved(interview: Interview | None) -> None:
            if interview is not None:
                self._save(interview, "Interview date saved.")

        self.app.push_screen(
            PlanFormScreen(self.session, self.session.store.profile.interview), saved
        )

    def action_clear(self) -> None:
        if self.session.store.profile.interview is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._save(None, "Interview date cleared: normal scheduling.")

        self.app.push_screen(ConfirmScreen("Clear the interview date?"), answered)

    def _save(self, interview: Interview | None, message: str) -> None:
        store = self.session.store
        try:
            store.save_profile(store.profile.model_copy(update={"interview": interview}))
        except OSError as exc:
            self.notify(one_line(f"Not saved: {exc}"), severity="error", markup=False)
            return
        self.notify(message, timeout=2)
        self.refresh_plan()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear":
            return self.session.store.profile.interview is not None
        return True

    def action_weakest(self) -> None:
        keys = weakest_cards(self.session.library, self.session.store)
        if not keys:
            self.notify(
                "No studied cards in the interview's decks yet: drill some first.", timeout=3
            )
            return
        self._drill(Drill(self.session.library, self.session.store, keys=keys))

    def action_drill_topic(self) -> None:
        topic = self.highlighted_topic()
        if topic is None:
            return
        library, store = self.session.library, self.session.store
        keys = weakest_cards(library, store, deck_ids=[topic])
        if keys:
            self._drill(Drill(library, store, keys=keys))
        else:
            self._drill(open_drill(library, store, [topic]))

    def _drill(self, drill: Drill) -> None:
        from flashprep.tui.screens.drill import DrillScreen

        self.app.push_screen(DrillScreen(self.session, drill))

    def action_back(self) -> None:
        self.dismiss()
