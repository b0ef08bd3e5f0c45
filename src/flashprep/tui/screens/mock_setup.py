"""Setting up a mock interview from the home screen: its length and its mix of categories."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from flashprep.core.interview.mockquestions import (
    DEFAULT_MINUTES,
    MAX_MINUTES,
    MockOptions,
    parse_mix,
)
from flashprep.tui.screens import SHARED_CSS
from flashprep.tui.widgets.card import HELP_KEYS, KeyBar
from flashprep.tui.widgets.plain import PlainStatic


class MockSetupScreen(ModalScreen[MockOptions | None]):
    CSS_PATH = SHARED_CSS
    HELP = """\
## Mock interview

**Minutes**: how long the round lasts. **Mix**: how many questions of each category, such as
`behavioral:2,technical:3` (categories: behavioral, technical, system-design, general); leave it
empty for every category in turn, filling the time. Questions come from the decks marked on the
home screen (all decks when none is marked), weak and overdue cards first.

**Enter** starts the round; **Escape** cancels.
"""

    BINDINGS = [
        Binding("enter", "start", "Start", id="start_mock", priority=True),
        Binding("escape", "cancel", "Cancel", id="cancel_mock"),
        *HELP_KEYS,
    ]

    def __init__(self, deck_ids: list[str] | None, decks_label: str) -> None:
        super().__init__()
        self.deck_ids = deck_ids
        self.decks_label = decks_label

    def compose(self) -> ComposeResult:
        with Vertical(id="mock-setup", classes="dialog"):
            yield PlainStatic("Mock interview", id="mock-setup-title")
            yield PlainStatic(f"Questions from: {self.decks_label}")
            yield Label("Minutes")
            yield Input(str(DEFAULT_MINUTES), id="minutes", restrict=r"[0-9]*", max_length=3)
            yield Label("Mix (optional), e.g. behavioral:2,technical:3")
            yield Input("", id="mix", placeholder="every category in turn")
            yield PlainStatic("", id="mock-setup-error")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#minutes", Input).focus()

    def action_start(self) -> None:
        error = self.query_one("#mock-setup-error", Static)
        minutes_text = self.query_one("#minutes", Input).value.strip()
        if not minutes_text.isdigit() or not 1 <= int(minutes_text) <= MAX_MINUTES:
            error.update(f"Minutes: a whole number from 1 to {MAX_MINUTES}")
            return
        mix_text = self.query_one("#mix", Input).value.strip()
        try:
            mix = parse_mix(mix_text) if mix_text else {}
        except ValueError as exc:
            error.update(f"Mix: {exc}")
            return
        self.dismiss(MockOptions(minutes=int(minutes_text), mix=mix, deck_ids=self.deck_ids))

    def action_cancel(self) -> None:
        self.dismiss(None)
