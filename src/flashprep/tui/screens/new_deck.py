"""Creating a deck of one's own: its id, name, category and description (core.decks.owndecks)."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from flashprep.core.decks.owndecks import CardInputError, new_deck
from flashprep.core.decks.rules import CATEGORIES
from flashprep.core.files.lock import LockedError
from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.text import one_line
from flashprep.tui.screens import SHARED_CSS
from flashprep.tui.widgets.card import HELP_KEYS, KeyBar
from flashprep.tui.widgets.plain import PlainStatic

if TYPE_CHECKING:
    from flashprep.core.decks.library import DeckLibrary


def suggest_deck_id(name: str, taken: set[str]) -> str:
    """A deck id made from its name ("Go & Rust — basics" -> "go-rust-basics"), not yet taken."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60].strip("-")
    if not base:
        return ""
    candidate, n = base, 2
    while candidate in taken:
        candidate = f"{base}-{n}"
        n += 1
    return candidate


class NewDeckScreen(ModalScreen[str | None]):
    """Returns the id of the deck it made, or None when cancelled."""

    CSS_PATH = SHARED_CSS
    DEFAULT_CSS = """
    #new-deck-title {
        text-style: bold;
    }
    #new-deck Label {
        color: $text-muted;
    }
    #new-deck-error {
        color: $error;
        height: auto;
    }
    """
    HELP = """\
## New deck

A deck of your own lives in your data folder beside imported decks, in the same deck TOML
format; it exports and imports like any deck.

- **Name**: what the deck list shows. The **id** is suggested from it as you type (lower-case
  letters, digits, `.`, `_`, `-`); change it if you like: it cannot change later, since card keys
  (`deck-id/card-id`) are made from it.
- **Category**: behavioral, technical, system-design or general (it sets the default answer time).
- **Description**: optional.

**ctrl+s** (or **Enter** in a text field) creates the deck; **Escape** cancels.
"""

    BINDINGS = [
        Binding("ctrl+s", "create", "Create", id="create_deck", priority=True),
        Binding("escape", "cancel", "Cancel", id="cancel_new_deck"),
        *HELP_KEYS,
    ]

    def __init__(self, library: DeckLibrary) -> None:
        super().__init__()
        self.library = library
        self.suggested = ""
        """The id last suggested from the name; once the user types another, the name stops
        suggesting (clearing the id lets it suggest again)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="new-deck", classes="dialog"):
            yield PlainStatic("New deck", id="new-deck-title")
            yield Label("Name")
            yield Input(id="new-deck-name", placeholder="e.g. Payments team questions")
            yield Label("Id (suggested from the name)")
            yield Input(id="new-deck-id", placeholder="e.g. payments-team", max_length=80)
            yield Label("Category")
            yield Select(
                [(c, c) for c in CATEGORIES],
                id="new-deck-category",
                allow_blank=False,
                value="technical",
            )
            yield Label("Description (optional)")
            yield Input(id="new-deck-description")
            yield PlainStatic("", id="new-deck-error")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#new-deck-name", Input).focus()

    def taken_ids(self) -> set[str]:
        return set(self.library.decks) | self.library.bundled_ids()

    @on(Input.Changed, "#new-deck-name")
    def name_changed(self, event: Input.Changed) -> None:
        id_input = self.query_one("#new-deck-id", Input)
        if id_input.value and id_input.value != self.suggested:
            return  # an id of the user's own
        self.suggested = suggest_deck_id(event.value, self.taken_ids())
        id_input.value = self.suggested

    @on(Input.Submitted)
    def submitted(self) -> None:
        self.action_create()

    def action_create(self) -> None:
        error = self.query_one("#new-deck-error", Static)
        deck_id = self.query_one("#new-deck-id", Input).value.strip()
        name = self.query_one("#new-deck-name", Input).value.strip()
        category = self.query_one("#new-deck-category", Select).selection
        description = self.query_one("#new-deck-description", Input).value.strip()
        try:
            loaded = new_deck(self.library, deck_id, name, str(category), description)
        except CardInputError as exc:
            error.update(f"{exc.field.capitalize()}: {exc.reason}")
            self.query_one(f"#new-deck-{exc.field}").focus()
            return
        except (ValueError, DataFileError, LockedError, OSError) as exc:
            error.update(one_line(f"Deck not created: {exc}"))
            return
        self.dismiss(loaded.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
