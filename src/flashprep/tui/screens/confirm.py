"""A yes/no question before something that cannot be taken back (delete, discard)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen

from flashprep.tui.screens import SHARED_CSS
from flashprep.tui.widgets.card import HELP_KEYS, KeyBar
from flashprep.tui.widgets.plain import PlainStatic


class ConfirmScreen(ModalScreen[bool]):
    CSS_PATH = SHARED_CSS
    HELP = "## Confirm\n\n**y** confirms; **n** or **Escape** cancels."

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="yes"),
        Binding("n", "answer(False)", "No", id="no"),
        Binding("escape", "answer(False)", "Cancel", show=False, id="cancel_confirm"),
        *HELP_KEYS,
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm", classes="dialog"):
            yield PlainStatic(self.question, id="confirm-text")
            yield PlainStatic("y  yes    n  no", id="confirm-keys")
        yield KeyBar()

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
