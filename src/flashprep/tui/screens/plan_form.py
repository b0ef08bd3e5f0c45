"""Setting the interview: its date, the decks it is about, the recall to reach on the day."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, SelectionList, Static
from textual.widgets.selection_list import Selection

from flashprep.core.storage.profile import Interview
from flashprep.core.storage.profilemodels import interview_date_problem
from flashprep.tui.screens import SHARED_CSS
from flashprep.tui.widgets.card import HELP_KEYS, KeyBar
from flashprep.tui.widgets.plain import PlainStatic, plain_content

if TYPE_CHECKING:
    from flashprep.tui.session import Session


def parse_target(text: str) -> float:
    """`0.9`, `.9` or `90` (percent) -> 0.9; ValueError when not 50 %-99 %."""
    value = float(text.strip().rstrip("%"))
    if value > 1:
        value /= 100
    if not 0.5 <= value <= 0.99:
        raise ValueError("must be between 0.5 and 0.99 (50 % to 99 %)")
    return round(value, 4)


class PlanFormScreen(ModalScreen[Interview | None]):
    CSS_PATH = SHARED_CSS
    HELP = """\
## Interview date

- **Date**: `YYYY-MM-DD`, today or later.
- **Target recall**: the predicted recall every card should reach on the day (`0.9` = 90 %).
- **Decks**: mark with **Space** the decks the interview is about; none marked means all.

**ctrl+s** (or **Enter**) saves; **Escape** cancels.
"""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="save_plan", priority=True),
        Binding("enter", "save", "Save", show=False, id="save_plan_enter", priority=True),
        Binding("escape", "cancel", "Cancel", id="cancel_plan"),
        *HELP_KEYS,
    ]

    def __init__(self, session: Session, interview: Interview | None) -> None:
        super().__init__()
        self.session = session
        self.interview = interview

    def compose(self) -> ComposeResult:
        current = self.interview
        chosen = set(current.decks) if current else set()
        with Vertical(id="plan-form", classes="dialog"):
            yield PlainStatic("Interview date", id="plan-form-title")
            yield Label("Date (YYYY-MM-DD)")
            yield Input(
                current.date.isoformat() if current else "",
                id="plan-date",
                placeholder="e.g. 2026-12-08",
                max_length=10,
            )
            yield Label("Target recall on the day")
            yield Input(str(current.target_recall if current else 0.9), id="plan-target")
            yield Label("Decks (Space marks; none = all decks)")
            yield SelectionList[str](
                *[
                    Selection(plain_content(d.name), d.id, d.id in chosen)
                    for d in self.session.library
                ],
                id="plan-decks",
            )
            yield PlainStatic("", id="plan-form-error")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#plan-date", Input).focus()

    def action_save(self) -> None:
        error = self.query_one("#plan-form-error", Static)
        text = self.query_one("#plan-date", Input).value.strip()
        try:
            day = date.fromisoformat(text)
        except ValueError:
            error.update(f"Date: {text!r} is not a date (YYYY-MM-DD)")
            return
        today = self.session.store.today()
        problem = interview_date_problem(day, today)
        if problem is not None:
            error.update(f"Date: {problem}")
            return
        try:
            target = parse_target(self.query_one("#plan-target", Input).value)
        except ValueError as exc:
            reason = str(exc) if "between" in str(exc) else "a number such as 0.9"
            error.update(f"Target recall: {reason}")
            return
        chosen = set(self.query_one("#plan-decks", SelectionList).selected)
        decks = [d for d in self.session.library.decks if d in chosen]
        self.dismiss(Interview(date=day, decks=decks, target_recall=target))

    def action_cancel(self) -> None:
        self.dismiss(None)
