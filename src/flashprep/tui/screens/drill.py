"""The drill screen: question, reveal, grade 1-4 with the interval each gives, undo, edit, bury."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Button, Rule, Static

from flashprep.core.clock import format_interval
from flashprep.core.deckindex import CardRecord, target_seconds
from flashprep.core.drill import Drill
from flashprep.core.scheduler import RATINGS
from flashprep.core.text import clean
from flashprep.core.tomlerrors import DataFileError
from flashprep.tui.widgets import CardMarkdown, KeyBar

if TYPE_CHECKING:
    from flashprep.core.deck import Card
    from flashprep.tui.app import FlashprepApp


BACK_DELAY = 0.05
"""Seconds after a question is shown before its (hidden) answer is drawn: long enough for the
question to reach the terminal first, far shorter than it takes to read it."""


def _clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


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

Each grade button shows when the card would come back. The timer counts toward the card's target
answer time.

- **Space** / **Enter** reveal the answer; **h** shows the hint.
- **u** undoes the last grade, bury or suspend (several times).
- **e** edits the card (in `$EDITOR`, or here); its schedule is kept.
- **-** buries the card until tomorrow; **!** suspends it.
- **Escape** goes back to the decks; **q** quits.
"""

    BINDINGS = [
        Binding("space", "reveal", "Show answer", id="reveal"),
        Binding("enter", "reveal", "Show answer", show=False, id="reveal_enter"),
        Binding("1", "grade(1)", "Again", id="again"),
        Binding("2", "grade(2)", "Hard", id="hard"),
        Binding("3", "grade(3)", "Good", id="good"),
        Binding("4", "grade(4)", "Easy", id="easy"),
        Binding("h", "hint", "Hint", id="hint"),
        Binding("u", "undo", "Undo", id="undo"),
        Binding("e", "edit", "Edit", id="edit"),
        Binding("minus", "bury", "Bury", id="bury"),
        Binding("exclamation_mark", "suspend", "Suspend", id="suspend"),
        Binding("escape", "leave", "Decks", id="leave"),
        Binding("q", "app.quit", "Quit", id="quit_drill"),
    ]

    revealed: reactive[bool] = reactive(False, bindings=True)
    has_card: reactive[bool] = reactive(True, bindings=True)

    def __init__(self, drill: Drill) -> None:
        super().__init__()
        self.drill = drill
        self.shown_at = 0.0
        self.hint_shown = False
        self._pending_back: str | None = None

    @property
    def fp(self) -> FlashprepApp:
        return cast("FlashprepApp", self.app)

    def compose(self) -> ComposeResult:
        with Horizontal(id="drill-status"):
            yield Static(id="progress", markup=False)
            yield Static(id="timer", markup=False)
        with VerticalScroll(id="card"):
            yield Static(id="deck-name", markup=False)
            yield CardMarkdown(id="front")
            yield Static(id="hint", markup=False)
            yield Rule(id="divider")
            yield CardMarkdown(id="back")
        yield Static("Space  Show answer", id="prompt", markup=False)
        yield Horizontal(id="grades")  # its buttons come with the answer (fill_back)
        yield KeyBar()

    def on_mount(self) -> None:
        self.show_card()
        self.set_interval(1.0, self.update_timer)

    # what is shown

    def current_card(self) -> tuple[CardRecord, str] | None:
        key = self.drill.current
        if key is None:
            return None
        card = self.fp.library.text(key)
        loaded = self.fp.library.get(key.split("/", 1)[0])
        if card is None or loaded is None:
            return None
        return card, loaded.category

    def show_card(self) -> None:
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
        loaded = self.fp.library.get(self.drill.current.split("/", 1)[0])  # type: ignore[union-attr]
        deck_name = loaded.name if loaded else ""
        state = self.drill.state()
        label = "new" if state.is_new else state.state
        self.query_one("#deck-name", Static).update(f"{deck_name} · {label}")
        self.query_one("#hint", Static).update("")
        self.shown_at = self.fp.timer()
        self.update_progress()
        self.update_timer()
        self.query_one("#front", CardMarkdown).show(clean(card.front))
        self.query_one("#card", VerticalScroll).scroll_home(animate=False)
        self._pending_back = clean(card.back)
        self.set_timer(BACK_DELAY, self.fill_back)
        self.refresh_bindings()

    def fill_back(self) -> None:
        """Put the answer and the grade buttons in their (hidden) places; done just after the
        question is on screen, so that they do not delay it."""
        grades = self.query_one("#grades", Horizontal)
        if not grades.children:
            grades.mount_all(
                Button(label, id=f"grade-{rating}", classes=f"grade grade-{rating}")
                for rating, label in RATINGS.items()
            )
        if self._pending_back is not None:
            self.query_one("#back", CardMarkdown).show(self._pending_back)
            self._pending_back = None

    def watch_revealed(self, revealed: bool) -> None:
        for shown_when_revealed in ("#divider", "#back", "#grades"):
            self.query_one(shown_when_revealed).display = revealed
        self.query_one("#prompt").display = not revealed
        if revealed and self.drill.current is not None:
            preview = self.drill.preview()
            for rating, label in RATINGS.items():
                button = self.query_one(f"#grade-{rating}", Button)
                button.label = f"{rating} {label} · {format_interval(preview[rating])}"

    def update_progress(self) -> None:
        d = self.drill
        self.query_one("#progress", Static).update(f"{d.done} done · {d.left} left")

    def update_timer(self) -> None:
        current = self.current_card()
        if current is None:
            return
        card, category = current
        target = target_seconds(card, category)
        elapsed = self.fp.timer() - self.shown_at
        timer = self.query_one("#timer", Static)
        timer.update(f"⏱ {_clock(elapsed)} / {_clock(target)}")
        timer.set_class(elapsed > target, "over")

    # keys

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reveal":
            return self.has_card and not self.revealed
        if action == "hint":
            current = self.current_card()
            return current is not None and bool(current[0].hint) and not self.revealed
        if action == "grade":
            return self.has_card and self.revealed
        if action in ("edit", "bury", "suspend"):
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
        self.query_one("#hint", Static).update(f"Hint: {clean(current[0].hint or '')}")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id and event.button.id.startswith("grade-") and self.revealed:
            self.action_grade(int(event.button.id.removeprefix("grade-")))

    def _after_change(self) -> None:
        self.show_card()
        if self.fp.store.needs_checkpoint():
            self.fp.save_checkpoint()

    def action_grade(self, rating: int) -> None:
        if not self.revealed or self.drill.current is None:
            return
        ms = int((self.fp.timer() - self.shown_at) * 1000)
        try:
            self.drill.grade(rating, min(ms, 3_600_000))
        except (OSError, DataFileError) as exc:
            self.notify(f"Grade not saved: {exc}", severity="error", markup=False)
            return
        self._after_change()

    def action_undo(self) -> None:
        try:
            key = self.drill.undo()
        except (OSError, DataFileError) as exc:
            self.notify(f"Undo failed: {exc}", severity="error", markup=False)
            return
        if key is not None:
            self.notify("Undone.", timeout=1.5)
            self._after_change()

    def action_bury(self) -> None:
        self._set_aside(self.drill.bury, "Buried until tomorrow.")

    def action_suspend(self) -> None:
        self._set_aside(self.drill.suspend, "Suspended.")

    def _set_aside(self, do: object, message: str) -> None:
        try:
            do()  # type: ignore[operator]
        except (OSError, DataFileError) as exc:
            self.notify(f"Not saved: {exc}", severity="error", markup=False)
            return
        self.notify(f"{message} Press u to undo.", timeout=2)
        self._after_change()

    def action_leave(self) -> None:
        self.fp.save_checkpoint()
        self.fp.show_decks()

    # editing

    def action_edit(self) -> None:
        key = self.drill.current
        card = self.fp.library.card(key) if key is not None else None
        if card is None or key is None:
            return
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
        from flashprep.core.library import card_to_toml

        text = card_to_toml(card)
        if editor:
            text = self._external_edit(editor, text)
        self._open_editor(key, text)

    def _external_edit(self, editor: str, text: str) -> str:
        """Edit in $EDITOR with the TUI suspended; return the edited text (or the original)."""
        import shlex
        import subprocess
        import tempfile

        fd, path = tempfile.mkstemp(prefix="flashprep-card-", suffix=".toml")
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(text)
            with self.app.suspend():
                subprocess.run([*shlex.split(editor), path], check=False)
            with open(path, encoding="utf-8", errors="replace") as handle:
                return handle.read()
        except OSError as exc:
            self.notify(f"Could not run {editor}: {exc}", severity="error", markup=False)
            return text
        finally:
            os.unlink(path)

    def _open_editor(self, key: str, text: str) -> None:
        """Save a valid edit; otherwise (or without $EDITOR) open the in-app editor on the text."""
        from flashprep.core.library import card_from_toml
        from flashprep.tui.screens.edit import EditCardScreen

        deck_id, card_id = key.split("/", 1)
        error = ""
        if os.environ.get("VISUAL") or os.environ.get("EDITOR"):
            try:
                self._save_edit(deck_id, card_from_toml(text, card_id))
                return
            except DataFileError as exc:
                error = exc.reason

        def saved(card: Card | None) -> None:
            if card is not None:
                self._save_edit(deck_id, card)

        self.app.push_screen(EditCardScreen(card_id, text, error), saved)

    def _save_edit(self, deck_id: str, card: Card) -> None:
        try:
            self.fp.library.save_card(deck_id, card)
        except (OSError, DataFileError) as exc:
            self.notify(f"Card not saved: {exc}", severity="error", markup=False)
            return
        self.notify("Card saved; its schedule is kept.", timeout=2)
        current = self.current_card()
        if current is not None:
            self.query_one("#front", CardMarkdown).show(clean(current[0].front))
            self._pending_back = None
            self.query_one("#back", CardMarkdown).show(clean(current[0].back))
            self.refresh_bindings()  # a hint may have come or gone

    # the end

    def finish(self) -> None:
        from flashprep.tui.screens.summary import SummaryScreen

        self.fp.save_checkpoint()
        self.app.switch_screen(SummaryScreen(self.drill.summary()))
