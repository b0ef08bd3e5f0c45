"""The end of a mock interview: each question's time, rating and whether it ran over; apply the
round to the schedule if you want it to count."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import DataTable, Static

from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.interview.mock import MockRound
from flashprep.core.scheduling.scheduler import RATING_OF, RATINGS
from flashprep.core.text import clean, one_line
from flashprep.format import clip, countdown, plural
from flashprep.tui.messages import CheckpointDue
from flashprep.tui.screens import SHARED_CSS
from flashprep.tui.widgets.card import KeyBar
from flashprep.tui.widgets.plain import PlainStatic, flex_width

if TYPE_CHECKING:
    from flashprep.tui.session import Session

QUESTION_MEASURE = 100
"""A question is cut (with `…`) to the screen's width, and to this on a wide one."""


def round_totals(round_: MockRound) -> str:
    answers = round_.answers
    seconds = sum(a.ms for a in answers) / 1000
    over = sum(1 for a in answers if a.over)
    text = (
        f"Answered {len(answers)} of {len(round_.questions)} · "
        f"{countdown(seconds)} answering · {over} over time"
    )
    if answers:
        text += f" · mean rating {sum(a.rating for a in answers) / len(answers):.1f}"
    return text


class MockSummaryScreen(Screen[None]):
    CSS_PATH = SHARED_CSS
    DEFAULT_CSS = """
    #mock-apply {
        padding: 1 0;
    }
    """

    HELP = """\
## Mock interview: summary

Each question with the time your answer took against its target, your rating, and whether you ran
over. The round is kept in your history (`flashprep mock --history`).

Its grades did not change your schedule. **a** applies them: each answered card is graded again,
as in a drill, so the schedule counts the round (once). **Enter** or **Escape** goes back.
"""

    BINDINGS = [
        Binding("a", "apply", "Apply to schedule", id="apply_mock"),
        Binding("enter", "back", "Done", id="mock_done", priority=True),
        Binding("escape", "back", "Done", show=False, id="mock_done_esc"),
    ]

    applied: reactive[bool] = reactive(False, bindings=True)

    def __init__(self, session: Session, round_: MockRound) -> None:
        super().__init__()
        self.session = session
        self.round = round_

    def compose(self) -> ComposeResult:
        with Vertical(id="mock-summary"):
            yield PlainStatic("Mock interview complete", id="mock-summary-title")
            yield PlainStatic(round_totals(self.round), id="mock-totals")
            yield DataTable(id="mock-answers", cursor_type="row", zebra_stripes=True)
            yield PlainStatic(id="mock-apply")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        rows: list[tuple[str, str, str, str, Text | str, str]] = []
        answered = {a.card: a for a in self.round.answers}
        for index, key in enumerate(self.round.questions, 1):
            card = self.session.library.card(key)
            front = one_line(clean(card.front).strip().splitlines()[0]) if card else key
            answer = answered.get(key)
            if answer is None:
                rows.append((str(index), front, "-", "-", "", "not reached"))
                continue
            rows.append(
                (
                    str(index),
                    front,
                    countdown(answer.ms / 1000),
                    countdown(answer.target_seconds),
                    Text("over", style="bold red") if answer.over else "",
                    f"{answer.rating} {RATINGS[RATING_OF[answer.rating]]}",
                )
            )
        labels = ("#", "Question", "Time", "Target", "Over", "Rating")
        others = [
            max([len(label)] + [len(str(row[column])) for row in rows])
            for column, label in enumerate(labels)
            if column != 1
        ]
        room = min(flex_width(self.app.size.width - 2, others), QUESTION_MEASURE)
        for label in labels:
            table.add_column(label, key=label, width=room if label == "Question" else None)
        for row in rows:
            table.add_row(row[0], Text(clip(row[1], room)), *row[2:])
        self.applied = self.round.record.applied
        self.show_apply_state()
        table.focus()

    def show_apply_state(self) -> None:
        text = (
            "Applied: the schedule counts this round."
            if self.applied
            else "Your schedule is unchanged. Press a to apply these grades to it."
        )
        if not self.round.answers:
            text = "Nothing was answered."
        self.query_one("#mock-apply", Static).update(text)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "apply":
            return not self.applied and bool(self.round.answers)
        return True

    def action_apply(self) -> None:
        if self.applied:
            return
        try:
            count = self.round.apply()
        except (OSError, DataFileError) as exc:
            self.notify(one_line(f"Not applied: {exc}"), severity="error", markup=False)
            return
        self.applied = True
        self.show_apply_state()
        if count:
            self.notify(f"Applied {plural(count, 'grade')} to your schedule.", timeout=3)
        else:  # a retry after a failure that came after the grades were written
            self.notify("These grades were already in your schedule.", timeout=3)
        self.post_message(CheckpointDue())

    def action_back(self) -> None:
        self.dismiss()
