"""The drill screen: question, reveal, grade 1-4 with the interval each gives, undo, edit, bury."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import MountError
from textual.widgets import Button, Static

from flashprep.core.decks.index import CardRecord
from flashprep.core.decks.rules import target_seconds
from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.keys import deck_of
from flashprep.core.scheduling.scheduler import RATING_OF, RATINGS, Rating, SameReason
from flashprep.core.study.drill import Drill, is_available
from flashprep.core.text import clean, one_line
from flashprep.format import interval, stopwatch
from flashprep.tui.messages import CheckpointDue, ShowDecks
from flashprep.tui.widgets.card import CardMarkdown, KeyBar, StatusLine
from flashprep.tui.widgets.plain import PlainStatic

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel

    from flashprep.tui.session import Session
    from flashprep.tui.widgets.story_panel import StoryPanel


BACK_DELAY = 0.05
"""Seconds after a question is shown before its (hidden) answer is drawn: long enough for the
question to reach the terminal first, far shorter than it takes to read it."""

FIRST_BACK_DELAY = 0.5
"""The same for a drill's first card, whose question waits for the whole screen to be built and
drawn (more than BACK_DELAY on a slow machine): the first answer loads the Markdown parser and
the grade buttons' styles, which must not come before the first question is on screen. A reveal
sooner than that fills the answer in itself."""


NOTICE_SECONDS = 3.0
"""How long a notice stays in the status line unless its caller says."""

STORIES_BESIDE_WIDTH = 120
"""Narrower than this, the linked stories go below the answer: beside it, each would be too
narrow to read."""


def same_interval_note(reason: SameReason, shown: str) -> str:
    """Why Hard, Good and Easy all show `shown` (see Scheduler.why_same), in one line at 80
    columns."""
    if reason == "maximum":
        return f"Hard, Good, Easy all give {shown}: your maximum interval (maximum_interval)."
    why = "reviewed less than a day ago" if reason == "same-day" else "its memory is still weak"
    return f"Hard, Good, Easy all give {shown}, the shortest: {why}."


class DrillScreen(Screen[None]):
    HELP = """\
## Drill

Answer the question aloud (or in your head), then reveal the model answer and grade yourself:

| key | grade | meaning |
|---|---|---|
| **1** | Again | you did not know it: it comes back in this drill |
| **2** | Hard | you got there with effort |
| **3** | Good | you knew it |
| **4** | Easy | too easy: see it much later |

Each grade button shows when the card would come back. When Hard, Good and Easy all show the
same interval, a line above them says why (the shortest interval, one day, for a card reviewed
less than a day ago or still weakly remembered; or your maximum interval).

The timer counts toward the card's target answer time (its own, else 2 min for behavioral,
1 min for technical, 5 min for system design questions) and turns red, with a notice, when you
run over.

On a behavioral question, after the answer is shown, your linked STAR stories show beside it (below
it on a screen narrower than 120 columns): **t** shows or hides them, **l** links stories to the
question (or writes a new one).

- **Space** / **Enter** reveal the answer; **h** shows the hint.
- **u** undoes the last grade, bury or suspend (several times).
- **e** edits the card (in `$EDITOR`, or here); its schedule is kept.
- **-** buries the card until tomorrow; **!** suspends it.
- **/** opens the card browser on this card (search, details, actions on any card).
- **↑ ↓ PgUp PgDn** scroll a long answer.
- **Escape** goes back where the drill came from (the decks, the plan, the browser: the key bar
  names it); **q** ends the drill with its summary (**q** again quits), or quits at once when
  nothing was done yet.

The answer timer stops while another screen is over the drill (the editor, this help, the
browser) and while `$EDITOR` runs.
"""

    BINDINGS = [
        Binding("space", "reveal", "Show answer", id="reveal"),
        Binding("enter", "reveal", "Show answer", show=False, id="reveal_enter"),
        Binding("1", "grade(1)", "Again", id="again"),
        Binding("2", "grade(2)", "Hard", id="hard"),
        Binding("3", "grade(3)", "Good", id="good"),
        Binding("4", "grade(4)", "Easy", id="easy"),
        Binding("h", "hint", "Hint", id="hint"),
        Binding("t", "toggle_stories", "Stories", id="toggle_stories"),
        Binding("l", "link_story", "Link story", show=False, id="link_story"),
        Binding("u", "undo", "Undo", id="undo"),
        Binding("e", "edit", "Edit", id="edit"),
        Binding("minus", "bury", "Bury", id="bury"),
        Binding("exclamation_mark", "suspend", "Suspend", id="suspend"),
        Binding("slash", "browse", "Browse", show=False, id="browse_drill"),
        Binding("escape", "leave", "Decks", id="leave"),
        Binding("q", "quit", "Quit", id="quit_drill"),
    ]

    revealed: reactive[bool] = reactive(False, bindings=True)
    has_card: reactive[bool] = reactive(True, bindings=True)

    def __init__(self, session: Session, drill: Drill) -> None:
        super().__init__()
        self.session = session
        self.drill = drill
        self.shown_at = 0.0
        self.hint_shown = False
        self.over_noticed = False
        self.stories_shown = True
        self._pending_back: str | None = None
        self._browsed = False
        """The card browser was opened from here (see on_screen_resume)."""
        self._paused_at: float | None = None
        """When another screen covered this one: the answer timer does not count that time."""

    def compose(self) -> ComposeResult:
        yield StatusLine(id="drill-status")
        with VerticalScroll(id="card"):
            yield PlainStatic(id="deck-name")
            yield CardMarkdown(id="front")
            # the hint comes with `h`, the answer after the first question is drawn (fill_back)
        yield PlainStatic("Space  Show answer", id="prompt")
        yield KeyBar()

    def on_mount(self) -> None:
        self.show_card(back_delay=FIRST_BACK_DELAY)
        self.query_one("#card", VerticalScroll).focus()  # arrows and page keys scroll long answers
        self.set_interval(1.0, self.update_timer)

    # what is shown

    def current_card(self) -> tuple[CardRecord, str] | None:
        key = self.drill.current
        if key is None:
            return None
        card = self.session.library.text(key)
        loaded = self.session.library.get(deck_of(key))
        if card is None or loaded is None:
            return None
        return card, loaded.category

    def show_card(self, back_delay: float = BACK_DELAY) -> None:
        """Put the current card on screen, answer hidden; or end the drill.

        The hidden answer is filled in after the next frame, off the path from a grade to the
        next question.
        """
        while self.drill.current is not None and self.current_card() is None:
            self.drill.skip()  # its deck is gone (a deck file removed meanwhile)
        current = self.current_card()
        if current is None:
            self.has_card = False
            self.finish()
            return
        card, _category = current
        self.has_card = True
        self.revealed = False
        self.hint_shown = False
        self.over_noticed = False
        loaded = self.session.library.get(deck_of(self.drill.current or ""))
        deck_name = loaded.name if loaded else ""
        state = self.drill.state()
        label = "new" if state.is_new else state.state
        self.query_one("#deck-name", Static).update(f"{clean(deck_name)} · {label}")
        for hint in self.query("#hint").results(Static):
            hint.update("")
        self.shown_at = self.session.timer()
        self.update_progress()
        self.update_timer()
        self.query_one("#front", CardMarkdown).show(clean(card.front))
        self.query_one("#card", VerticalScroll).scroll_home(animate=False)
        self._pending_back = clean(card.back)
        self.set_timer(back_delay, self.fill_back)
        self.refresh_bindings()

    def fill_back(self) -> None:
        """Put the answer in its (hidden) place; done just after the question is on screen, so
        that it does not delay it. The first time, the answer's widgets are mounted: the first
        question on screen waits for every widget the screen starts with to be styled."""
        if not self.is_attached:
            return  # the timer fired while the screen was being removed (the app closing)
        if not self.query("#grades"):
            try:
                self._mount_answer()
            except MountError:
                return  # the same, caught later in the removal
            self.drill.store.decode_states()
        if self._pending_back is not None:
            back = next(iter(self.query("#back").results(CardMarkdown)), None)
            if back is None:  # its row is still being mounted (a busy machine): after the refresh
                self.call_after_refresh(self.fill_back)
                return
            back.show(self._pending_back)
            self._pending_back = None

    def _mount_answer(self) -> None:
        """The answer's widgets, one level at a time, so that every widget is in the DOM (can be
        queried) at once."""
        from textual.widgets import Rule  # here: not needed for the first question

        from flashprep.tui.widgets.story_panel import StoryPanel

        row = Horizontal(id="answer-row")
        self.query_one("#card", VerticalScroll).mount_all([Rule(id="divider"), row])
        row.mount_all([CardMarkdown(id="back"), StoryPanel(id="story-panel", markup=False)])
        grades = Horizontal(id="grades")
        self.mount(grades, after="#prompt")
        self.mount(PlainStatic(id="grade-note"), before=grades)
        grades.mount_all(
            Button(label, id=f"grade-{rating}", classes=f"grade grade-{rating}")
            for rating, label in RATINGS.items()
        )

    def watch_revealed(self, revealed: bool) -> None:
        for shown_when_revealed in self.query("#divider, #back, #grades"):
            shown_when_revealed.display = revealed
        self.query_one("#prompt").display = not revealed
        self.update_stories()
        note = ""
        if revealed and self.drill.current is not None:
            preview = self.drill.preview()
            for rating, label in RATINGS.items():
                button = self.query_one(f"#grade-{rating}", Button)
                button.label = f"{rating} {label} · {interval(preview[rating])}"
            reason = self.drill.why_same(preview)
            if reason is not None:
                note = same_interval_note(reason, interval(preview[Rating.GOOD]))
        for shown in self.query("#grade-note").results(Static):
            shown.update(note)
            shown.display = bool(note)

    def update_progress(self) -> None:
        """Done, and left as new + learning + review (as Anki counts them); practice says so."""
        d = self.drill
        mode = "practice · " if d.practice else ""
        self.query_one(StatusLine).progress = f"{mode}{d.done} done · {d.remaining()} left"

    def update_timer(self) -> None:
        if self.app.screen is not self:
            return  # under another screen (a drill left or finished stays under the home screen)
        current = self.current_card()
        if current is None:
            return
        status = self.query_one(StatusLine)
        if not self.session.store.settings.answer_timer:
            status.timer = ""  # the setting: no timer shown (the answer time is logged anyway)
            return
        card, category = current
        target = target_seconds(card, category)
        elapsed = self.session.timer() - self.shown_at
        status.timer = f"⏱ {stopwatch(elapsed)} / {stopwatch(target)}"
        status.over = elapsed > target
        if elapsed > target and not self.over_noticed and not self.revealed:
            self.over_noticed = True
            self.notify(f"Over the {stopwatch(target)} target for this answer.", timeout=3)

    # stories on behavioral cards

    def is_behavioral(self) -> bool:
        current = self.current_card()
        return current is not None and current[1] == "behavioral"

    def update_stories(self) -> None:
        """Show the linked stories after reveal on a behavioral card (unless hidden with t)."""
        if not self.query("#story-panel"):
            return  # not mounted yet: the answer was never shown (fill_back)
        panel = cast("StoryPanel", self.query_one("#story-panel"))
        key = self.drill.current
        show = self.revealed and self.stories_shown and key is not None and self.is_behavioral()
        linked = True
        if show and key is not None:
            try:
                stories = self.session.stories.load().for_question(key)
                panel.show_stories(stories)
                linked = bool(stories)
            except DataFileError as exc:
                panel.update(f"Stories not read: {exc}")
        # beside the answer only with room for both; none linked: a one-line note below it
        panel.set_class(not linked, "-empty")
        stacked = not linked or self.size.width < STORIES_BESIDE_WIDTH
        self.query_one("#answer-row").set_class(stacked, "-stacked")
        panel.display = show

    def on_resize(self) -> None:
        if self.revealed:
            self.update_stories()

    def action_toggle_stories(self) -> None:
        self.stories_shown = not self.stories_shown
        self.update_stories()

    def action_link_story(self) -> None:
        from flashprep.tui.screens.link_story import link_stories

        key = self.drill.current
        if key is not None:
            self.stories_shown = True
            link_stories(self, self.session, key, self.update_stories)

    # keys

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reveal":
            return self.has_card and not self.revealed
        if action == "hint":
            current = self.current_card()
            return current is not None and bool(current[0].hint) and not self.revealed
        if action == "grade":
            return self.has_card and self.revealed
        if action in ("toggle_stories", "link_story"):
            return self.has_card and self.revealed and self.is_behavioral()
        if action in ("edit", "bury", "suspend", "browse"):
            return self.has_card
        if action == "undo":
            return self.drill.can_undo
        return True

    def action_reveal(self) -> None:
        self.fill_back()
        self.revealed = True
        self.query_one("#card", VerticalScroll).scroll_home(animate=False)

    def action_hint(self) -> None:
        current = self.current_card()
        if current is None:
            return
        text = f"Hint: {clean(current[0].hint or '')}"
        shown = self.query("#hint")
        if shown:
            shown.first(Static).update(text)
        else:
            self.query_one("#card", VerticalScroll).mount(
                PlainStatic(text, id="hint"), after="#front"
            )

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id and event.button.id.startswith("grade-") and self.revealed:
            self.action_grade(int(event.button.id.removeprefix("grade-")))

    def _after_change(self) -> None:
        self.show_card()
        if self.session.store.needs_checkpoint():
            self.post_message(CheckpointDue())

    def action_grade(self, rating: int) -> None:
        if not self.revealed or self.drill.current is None:
            return
        ms = int((self.session.timer() - self.shown_at) * 1000)
        try:
            leech = self.drill.grade(RATING_OF[rating], min(ms, 3_600_000))
        except (OSError, DataFileError) as exc:
            self.notify(one_line(f"Grade not saved: {exc}"), severity="error", markup=False)
            return
        if leech is not None:
            self.notify(leech.message(), title="Leech", severity="warning", timeout=8)
        self._after_change()

    def action_undo(self) -> None:
        try:
            key = self.drill.undo()
        except (OSError, DataFileError) as exc:
            self.notify(one_line(f"Undo failed: {exc}"), severity="error", markup=False)
            return
        if key is not None:
            self.notify("Undone.", timeout=1.5)
            self._after_change()

    def action_bury(self) -> None:
        self._set_aside(self.drill.bury, "Buried until tomorrow.")

    def action_suspend(self) -> None:
        self._set_aside(self.drill.suspend, "Suspended.")

    def _set_aside(self, do: Callable[[], object], message: str) -> None:
        try:
            do()
        except (OSError, DataFileError) as exc:
            self.notify(one_line(f"Not saved: {exc}"), severity="error", markup=False)
            return
        self.notify(f"{message} Press u to undo.", timeout=2)
        self._after_change()

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """A plain notice ("Undone.", "Card saved") shows in the status line; warnings, errors
        and titled notices stay toasts (at the top, see app.tcss): neither covers the grade
        buttons."""
        if severity != "information" or title:
            super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)
            return
        # shown as plain text: the drill's own notices hold no markup, card text must not be read
        self.query_one(StatusLine).show_notice(one_line(message), timeout or NOTICE_SECONDS)

    def action_leave(self) -> None:
        self.post_message(CheckpointDue())
        self.post_message(ShowDecks())

    def action_quit(self) -> None:
        """End the drill with its summary (whose q quits), so that what was done is seen; with
        nothing done yet, quit at once."""
        if self.drill.done or self.drill.can_undo:
            self.has_card = False
            self.finish()
        else:
            self.app.exit()

    def key_label(self, binding: Binding) -> str | None:
        """Escape is named for the screen it returns to (see App.show_decks)."""
        if binding.action != "leave":
            return None
        stack = self.app.screen_stack
        index = stack.index(self) if self in stack else 0
        if index == 0:
            return "Decks"  # the first screen: the home screen opens instead
        below = stack[index - 1]  # by name: importing the home screen here would be a cycle
        return "Decks" if type(below).__name__ == "HomeScreen" else getattr(below, "PLACE", "Back")

    # editing

    def action_edit(self) -> None:
        """Edit the card (see card_editing); its schedule is kept."""
        from flashprep.tui.screens.card_editing import edit_card

        key = self.drill.current
        if key is not None:
            self._paused_at = self.session.timer()  # $EDITOR runs inside this call
            edit_card(self, self.session, key, lambda _key: self.show_new_text())
            if self.app.screen is self:
                self._resume_timer()  # else resumed when the in-app editor closes

    def show_new_text(self) -> None:
        """Show the current card's text again, as it is now (after an edit), keeping its state."""
        current = self.current_card()
        if current is not None:
            self.query_one("#front", CardMarkdown).show(clean(current[0].front))
            self._pending_back = clean(current[0].back)
            self.fill_back()
            self.refresh_bindings()  # a hint may have come or gone

    # the card browser

    def action_browse(self) -> None:
        """Open the card browser on the current card."""
        from flashprep.tui.screens.browser import BrowserScreen

        self._browsed = True
        self.app.push_screen(BrowserScreen(self.session, cursor_key=self.drill.current))

    def on_screen_suspend(self) -> None:
        self._paused_at = self.session.timer()

    def _resume_timer(self) -> None:
        """The time another screen (or $EDITOR) covered this one is not answer time."""
        if self._paused_at is not None:
            self.shown_at += self.session.timer() - self._paused_at
            self._paused_at = None
            self.update_timer()

    def on_screen_resume(self) -> None:
        """The answer timer goes on where it stopped. Back from the browser: a current card
        suspended, buried or deleted there is left for the next one; an edited one shows its
        new text."""
        self._resume_timer()
        if not self._browsed:
            return
        self._browsed = False
        key = self.drill.current
        if key is None:
            return
        today_ord = self.session.store.today().toordinal()
        if self.current_card() is None or not is_available(self.drill.state(key), today_ord):
            self.drill.skip()
            self.show_card()
        else:
            self.show_new_text()

    # the end

    def finish(self) -> None:
        from flashprep.tui.screens.summary import SummaryScreen

        self.post_message(CheckpointDue())
        summary = SummaryScreen(self.drill.summary(), self.session.store.now(), self.session)
        if self.app.screen_stack[0] is self:  # the first screen: switch_screen cannot replace it
            self.app.push_screen(summary)
        else:
            self.app.switch_screen(summary)
