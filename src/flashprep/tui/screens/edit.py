"""The in-app card editor: the card as TOML in a text area, validated before it is saved."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from flashprep.core.decks.deck import Card
from flashprep.core.decks.library import card_from_toml
from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.text import one_line
from flashprep.tui.screens import SHARED_CSS
from flashprep.tui.widgets.card import HELP_KEYS, KeyBar
from flashprep.tui.widgets.plain import PlainStatic


class EditCardScreen(ModalScreen[Card | None]):
    CSS_PATH = SHARED_CSS
    DEFAULT_CSS = """
    #editor-title {
        text-style: bold;
        padding: 0 1;
    }
    #editor-text {
        height: 1fr;
    }
    #editor-error {
        color: $error;
        height: auto;
        padding: 0 1;
    }
    """

    HELP = """\
## Edit card

The card is shown as TOML: `front`, `back` (Markdown), `tags`, and the optional `hint`, `level` and
`target_seconds`. **ctrl+s** checks and saves it (its schedule is kept); **Escape** closes the
editor, asking first when the text was changed.
The card's `id` cannot change.
"""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="save", priority=True),
        Binding("escape", "cancel", "Cancel", id="cancel"),
        *HELP_KEYS,
    ]

    def __init__(self, card_id: str, text: str, error: str = "") -> None:
        super().__init__()
        self.card_id = card_id
        self.text = text
        self.error = error

    def compose(self) -> ComposeResult:
        with Vertical(id="editor", classes="dialog"):
            yield PlainStatic(f"Edit card {self.card_id}", id="editor-title")
            yield TextArea(self.text, id="editor-text", soft_wrap=True, show_line_numbers=True)
            yield PlainStatic(one_line(self.error), id="editor-error")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_save(self) -> None:
        text = self.query_one(TextArea).text
        try:
            card = card_from_toml(text, self.card_id)
        except DataFileError as exc:
            self.query_one("#editor-error", Static).update(one_line(exc.reason))
            return
        self.dismiss(card)

    def action_cancel(self) -> None:
        """Close without saving; a changed text is only thrown away once the user says so."""
        if self.query_one(TextArea).text == self.text:
            self.dismiss(None)
            return
        from flashprep.tui.screens.confirm import ConfirmScreen

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(ConfirmScreen("Discard the changes to this card?"), answered)
