"""A mock interview: one question at a time, countdowns for the round and for each answer;
answer aloud, reveal, rate yourself. The round's grades leave the schedule alone."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Button, Markdown, Rule, Static

from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.interview.mock import MockRound
from flashprep.core.keys import deck_of
from flashprep.core.scheduling.scheduler import RATING_OF, RATINGS
from flashprep.core.text import clean, one_line
from flashprep.format import countdown
from flashprep.tui.widgets.card import KeyBar
from flashprep.tui.widgets.plain import PlainStatic
from flashprep.tui.widgets.story_panel import StoryPanel

if TYPE_CHECKING:
    from flashprep.tui.session import Session


class MockScreen(Screen[None]):
    DEFAULT_CSS = """
    #mock-stories {
        display: none;
        height: auto;
        border: round $accent;
        padding: 0 1;
        margin: 1 0 0 0;
    }
    #mock-status {
        height: 1;
        padding: 0 1;
        background: $boost;
    }
    #mock-progress {
        width: 1fr;
    }
    #round-clock, #answer-clock {
        width: auto;
        padding: 0 0 0 3;
    }
    #round-clock.over, #answer-clock.over {
        color: $error;
        text-style: bold;
    }
    #mock-card {
        height: 1fr;
        padding: 0 1;
    }
    #mock-deck {
        color: $text-muted;
        padding: 1 0 0 0;
    }
    #mock-divider, #mock-back {
        display: none;
    }
    MockScreen.revealed #mock-divider, MockScreen.revealed #mock-back {
        display: block;
    }
    #mock-prompt {
        height: 3;
        content-align: center middle;
        color: $text-muted;
        border-top: solid $primary;
    }
    MockScreen.revealed #mock-prompt {
        display: none;
    }
    #mock-grades {
        height: 3;
        display: none;
    }
    MockScreen.revealed #mock-grades {
        display: block;
    }
    """

    HELP = """\
## Mock interview

A round of questions, one at a time, as in an interview. Answer **aloud** while the answer clock
counts down from the question's target time; then reveal the model answer and rate yourself
honestly. The round clock counts down the whole round: when it reaches zero, rate the answer in
progress and the round ends.

- **Space** / **Enter** reveals the model answer (and stops the answer clock).
- **1** **2** **3** **4** rate the answer: Again, Hard, Good, Easy.
- **Escape** ends the round early, once you say so (**y**); the summary shows what was answered.

The round's grades are logged apart (as mock reviews) and do not change your schedule, unless
you apply them on the summary.
"""

    BINDINGS = [
        Binding("space", "reveal", "Reveal", id="mock_reveal"),
        Binding("enter", "reveal", "Reveal", show=False, id="mock_reveal_enter"),
        Binding("1", "rate(1)", "Again", id="mock_again"),
        Binding("2", "rate(2)", "Hard", id="mock_hard"),
        Binding("3", "rate(3)", "Good", id="mock_good"),
        Binding("4", "rate(4)", "Easy", id="mock_easy"),
        Binding("escape", "end", "End round", id="mock_end"),
    ]

    revealed: reactive[bool] = reactive(False, bindings=True)

    def __init__(self, session: Session, round_: MockRound) -> None:
        super().__init__()
        self.session = session
        self.round = round_
        self.started_at = 0.0
        self.asked_at = 0.0
        self.answer_ms = 0
        self.time_up_noticed = False
        self.answer_over_noticed = False

    def compose(self) -> ComposeResult:
        with Horizontal(id="mock-status"):
            yield PlainStatic(id="mock-progress")
            yield PlainStatic(id="round-clock")
            yield PlainStatic(id="answer-clock")
        with VerticalScroll(id="mock-card"):
            yield PlainStatic(id="mock-deck")
            yield Markdown(id="mock-front", open_links=False)
            yield Rule(id="mock-divider")
            yield Markdown(id="mock-back", open_links=False)
            yield StoryPanel(id="mock-stories", markup=False)
        yield PlainStatic("Answer aloud, then Space to reveal", id="mock-prompt")
        with Horizontal(id="mock-grades"):
            for rating, label in RATINGS.items():
                yield Button(
                    f"{rating} {label}", id=f"rate-{rating}", classes=f"grade grade-{rating}"
                )
        yield KeyBar()

    def on_mount(self) -> None:
        self.started_at = self.session.timer()
        self.show_question()
        self.set_interval(1.0, self.tick)

    # the clocks

    def round_left(self) -> float:
        return self.round.record.minutes * 60 - (self.session.timer() - self.started_at)

    def answer_elapsed(self) -> float:
        if self.revealed:
            return self.answer_ms / 1000
        return self.session.timer() - self.asked_at

    def tick(self) -> None:
        """Refresh both countdowns; say so once when the answer or the round runs out."""
        key = self.round.current
        if key is None:
            return
        left = self.round_left()
        round_clock = self.query_one("#round-clock", Static)
        round_clock.update(f"Round {countdown(left)}")
        round_clock.set_class(left < 0, "over")
        target = self.round.target(key)
        answer_left = target - self.answer_elapsed()
        answer_clock = self.query_one("#answer-clock", Static)
        label = "Answered in" if self.revealed else "Answer"
        shown = countdown(self.answer_elapsed()) if self.revealed else countdown(answer_left)
        answer_clock.update(f"{label} {shown} / {countdown(target)}")
        answer_clock.set_class(answer_left < 0, "over")
        if answer_left < 0 and not self.answer_over_noticed and not self.revealed:
            self.answer_over_noticed = True
            self.notify("Time for this answer is up: wrap up and reveal.", timeout=3)
        if left <= 0 and not self.time_up_noticed:
            self.time_up_noticed = True
            self.notify("The round's time is up: rate this answer to finish.", timeout=5)

    # the question on screen

    def show_question(self) -> None:
        key = self.round.current
        if key is None:
            self.finish()
            return
        card = self.session.library.card(key)
        loaded = self.session.library.get(deck_of(key))
        self.revealed = False
        self.set_class(False, "revealed")
        self.asked_at = self.session.timer()
        self.answer_ms = 0
        self.answer_over_noticed = False
        index = len(self.round.answers) + 1
        self.query_one("#mock-progress", Static).update(
            f"Mock question {index} of {len(self.round.questions)}"
        )
        deck = f"{loaded.name} · {loaded.category}" if loaded else ""
        self.query_one("#mock-deck", Static).update(deck)
        front = clean(card.front) if card else f"(card {key} not found)"
        self.query_one("#mock-front", Markdown).update(front)
        self.query_one("#mock-back", Markdown).update(clean(card.back) if card else "")
        self.query_one("#mock-stories", StoryPanel).display = False
        self.query_one("#mock-card", VerticalScroll).scroll_home(animate=False)
        self.tick()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reveal":
            return not self.revealed and self.round.current is not None
        if action == "rate":
            return self.revealed
        return True

    def action_reveal(self) -> None:
        key = self.round.current
        if key is None or self.revealed:
            return
        self.answer_ms = int((self.session.timer() - self.asked_at) * 1000)
        self.revealed = True
        self.set_class(True, "revealed")
        loaded = self.session.library.get(deck_of(key))
        panel = self.query_one("#mock-stories", StoryPanel)
        if loaded is not None and loaded.deck.category == "behavioral":
            try:
                stories = self.session.stories.load().for_question(key)
                panel.show_stories(stories, keys=False)  # no t or l in a mock round
                panel.display = True
            except DataFileError as exc:
                self.notify(
                    one_line(str(exc)), title="Stories not read", severity="error", markup=False
                )
        self.tick()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id and event.button.id.startswith("rate-") and self.revealed:
            self.action_rate(int(event.button.id.removeprefix("rate-")))

    def action_rate(self, rating: int) -> None:
        if not self.revealed or self.round.current is None:
            return
        try:
            self.round.answer(RATING_OF[rating], self.answer_ms)
        except (OSError, DataFileError) as exc:
            self.notify(one_line(f"Answer not saved: {exc}"), severity="error", markup=False)
            return
        if self.round_left() <= 0:
            self.finish()
            return
        self.show_question()

    def action_end(self) -> None:
        """End the round early, once the user says so: a stray Escape must not end a round
        twenty minutes in."""
        from flashprep.tui.screens.confirm import ConfirmScreen

        answered, total = len(self.round.answers), len(self.round.questions)

        def confirmed(end: bool | None) -> None:
            if end and self.is_current:
                self.finish()

        question = f"End the round now? {answered} of {total} questions answered."
        self.app.push_screen(ConfirmScreen(question), confirmed)

    def finish(self) -> None:
        from flashprep.tui.screens.mock_summary import MockSummaryScreen

        try:
            self.round.finish()
        except OSError as exc:
            self.notify(one_line(f"Round not saved: {exc}"), severity="error", markup=False)
        self.app.switch_screen(MockSummaryScreen(self.session, self.round))
