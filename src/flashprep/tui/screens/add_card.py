"""The Add form: a new card for one of the user's own (or imported) decks, as Anki's Add window
works: after a save the form stays open and clears, keeping the deck, tags and level."""

from __future__ import annotations

import contextlib
import re
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.suggester import Suggester
from textual.widgets import Input, Label, Select, Static, TextArea

from flashprep.core.decks.cardedits import all_tags
from flashprep.core.decks.owndecks import LEVELS as CARD_LEVELS
from flashprep.core.decks.owndecks import CardInputError, add_card
from flashprep.core.files.lock import LockedError
from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.text import clean, one_line
from flashprep.tui.editor import edit_in_editor, external_editor
from flashprep.tui.screens import SHARED_CSS
from flashprep.tui.screens.confirm import ConfirmScreen
from flashprep.tui.widgets.card import CardMarkdown, KeyBar
from flashprep.tui.widgets.plain import PlainStatic, plain

if TYPE_CHECKING:
    from rich.console import RenderableType

    from flashprep.core.decks.deck import Card
    from flashprep.core.decks.library import DeckLibrary, LoadedDeck
    from flashprep.tui.session import Session

NEW_DECK = "\x00new-deck"
"""The deck choice that opens the new-deck form (no deck id can hold a NUL)."""
NO_LEVEL = "none"
LEVELS = (NO_LEVEL, *CARD_LEVELS)
FIELDS = {
    "deck": ("Deck", "#add-deck"),
    "front": ("Question", "#add-front"),
    "back": ("Answer", "#add-back"),
    "tags": ("Tags", "#add-tags"),
    "level": ("Level", "#add-level"),
    "target_seconds": ("Target time", "#add-target"),
    "hint": ("Hint", "#add-hint"),
}
"""A field of the card (as CardInputError names it): its label on the form, and its widget."""
DRAFT_ID = "new-card"
"""The id of the card while it is edited in $EDITOR; the real one is made from the question."""


def split_tags(text: str) -> list[str]:
    """`sql, joins  postgres` -> ["sql", "joins", "postgres"] (repeats dropped, order kept)."""
    return list(dict.fromkeys(t for t in re.split(r"[,\s]+", text) if t))


def addable_decks(library: DeckLibrary) -> list[LoadedDeck]:
    """The decks a card can be added to: the user's own and imported ones, not bundled ones."""
    return [d for d in library if d.source != "bundled"]


def last_used_deck(decks: list[LoadedDeck]) -> str | None:
    """The deck whose file was written last (a card added, edited or imported), so the form
    opens on it again in the next session too."""
    stamps: list[tuple[int, str]] = []
    for deck in decks:
        with contextlib.suppress(OSError):
            stamps.append((deck.path.stat().st_mtime_ns, deck.id))
    return max(stamps)[1] if stamps else None


class TagSuggester(Suggester):
    """Completes the last tag being typed from the tags the library already holds."""

    def __init__(self, library: DeckLibrary) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.library = library
        self._tags: list[str] | None = None

    def forget(self) -> None:
        """The library changed (a card was added): read its tags again on the next keystroke."""
        self._tags = None

    async def get_suggestion(self, value: str) -> str | None:
        match = re.search(r"[^,\s]+$", value)
        if match is None:
            return None
        if self._tags is None:
            self._tags = all_tags(self.library)
        typed = match.group().casefold()
        for tag in self._tags:
            if tag.casefold().startswith(typed) and len(tag) > len(typed):
                return value + tag[len(typed) :]
        return None


class AddCardScreen(Screen[None]):
    CSS_PATH = SHARED_CSS
    DEFAULT_CSS = """
    #add-form {
        padding: 0 1;
        max-width: 120;  /* fields of a readable width on a wide terminal */
    }
    #add-title {
        text-style: bold;
        color: $primary;
        padding: 1 0;
    }
    #add-form Label {
        color: $text-muted;
    }
    #add-form Horizontal {
        height: auto;
    }
    #add-form .add-column {
        height: auto;
        width: 1fr;
    }
    #add-form #add-level-column, #add-form #add-target-column {
        width: 20;
        margin: 0 0 0 1;
    }
    #add-form #add-hint-column {
        margin: 0 0 0 1;
    }
    #add-front {
        height: 4;
    }
    #add-back, #add-preview-box {
        height: 1fr;
        min-height: 5;
    }
    #add-preview-box {
        display: none;
        border: round $primary;
        padding: 0 1;
    }
    AddCardScreen.previewing #add-preview-box {
        display: block;
    }
    AddCardScreen.previewing #add-back {
        display: none;
    }
    #add-error {
        color: $error;
        height: auto;
        padding: 0 1;
    }
    """

    HELP = """\
## Add a card

A new question for one of **your own decks** or an imported one (bundled decks take no new
cards: edit their cards instead). The card's id is made from the question.

- **Deck**: choose **New deck…** to make one (name, category, description).
- **Question** and **Answer**: the answer is Markdown; **ctrl+r** shows it rendered (and back).
  **Tab** moves to the next field.
- **Tags**: separated by commas or spaces; the tag being typed is completed from the tags your
  decks already use (**→** accepts). **Level** and **target time** (seconds) are optional, as
  is the **hint**.
- **ctrl+s** saves the card. The form stays open for the next one, cleared; the deck, tags and
  level are kept.
- **ctrl+o** writes the card as TOML in `$EDITOR`; what you save there fills the form, and
  **ctrl+s** then adds it (so you see it before it is saved).
- **Escape** leaves (asking first when the form holds text not yet saved).
"""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="save_card", priority=True),
        Binding("escape", "leave", "Back", id="leave_add"),
        Binding("ctrl+r", "preview", "Preview", id="preview_answer", priority=True),
        Binding("ctrl+o", "external", "$EDITOR", id="card_editor", priority=True),
        Binding("ctrl+n", "new_deck", "New deck", id="new_deck", priority=True),
    ]

    def __init__(self, session: Session, deck_id: str | None = None) -> None:
        super().__init__()
        self.session = session
        self.deck_id = deck_id
        self.added = 0
        """Cards added since the form opened (shown in the toast)."""
        self.current_deck: str | None = None
        """The deck chosen (never NEW_DECK): where the choice goes back to if a new deck is
        not made."""
        self.kept_tags = ""
        """The tags as they were at opening or at the last save (kept, so not unsaved text)."""
        self.pending: str | None = None
        """$EDITOR text that did not validate, offered again by the next ctrl+o."""
        self.suggester = TagSuggester(session.library)

    # building

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="add-form", can_focus=False):
            yield PlainStatic("Add a card", id="add-title")
            with Horizontal():
                with Vertical(classes="add-column"):
                    yield Label("Deck")
                    yield Select[str](self._deck_options(), id="add-deck", prompt="Choose a deck")
                with Vertical(classes="add-column", id="add-level-column"):
                    yield Label("Level")
                    yield Select[str](
                        [(lvl, lvl) for lvl in LEVELS],
                        id="add-level",
                        allow_blank=False,
                        value=NO_LEVEL,
                    )
                with Vertical(classes="add-column", id="add-target-column"):
                    yield Label("Target (seconds)")
                    yield Input(id="add-target", placeholder="optional", max_length=5)
            yield Label("Question")
            yield TextArea(id="add-front", soft_wrap=True)
            yield Label("Answer (Markdown; ctrl+r previews)", id="add-back-label")
            yield TextArea(id="add-back", soft_wrap=True)
            with VerticalScroll(id="add-preview-box"):
                yield CardMarkdown(id="add-preview")
            with Horizontal():
                with Vertical(classes="add-column"):
                    yield Label("Tags (commas or spaces; → completes)")
                    yield Input(id="add-tags", suggester=self.suggester)
                with Vertical(classes="add-column", id="add-hint-column"):
                    yield Label("Hint (optional)")
                    yield Input(id="add-hint")
        yield PlainStatic("", id="add-error")
        yield KeyBar()

    def _deck_options(self) -> list[tuple[RenderableType, str]]:
        decks = addable_decks(self.session.library)
        options: list[tuple[RenderableType, str]] = [(plain(d.name), d.id) for d in decks]
        options.append(("New deck…", NEW_DECK))
        return options

    def on_mount(self) -> None:
        decks = addable_decks(self.session.library)
        ids = [d.id for d in decks]
        if self.deck_id in ids:
            chosen: str | None = self.deck_id
        else:
            own = [d.id for d in decks if d.source == "own"]
            chosen = last_used_deck(decks) or (own[0] if own else None) or (ids[0] if ids else None)
        if chosen is not None:
            self._choose(chosen)
        else:
            self.show_error("You have no deck of your own yet: choose New deck… (or ctrl+n).")
        self.query_one("#add-front", TextArea).focus()

    def _choose(self, deck_id: str) -> None:
        self.current_deck = deck_id
        self.query_one("#add-deck", Select).value = deck_id

    # reading and filling the form

    def show_error(self, text: str) -> None:
        self.query_one("#add-error", Static).update(one_line(text))

    def _text(self, selector: str) -> str:
        return self.query_one(selector, TextArea).text

    def _input(self, selector: str) -> str:
        return self.query_one(selector, Input).value.strip()

    def has_unsaved_text(self) -> bool:
        typed = [
            self._text("#add-front"),
            self._text("#add-back"),
            self._input("#add-hint"),
            self._input("#add-target"),
        ]
        return (
            any(t.strip() for t in typed)
            or self._input("#add-tags") != self.kept_tags.strip()
            or self.pending is not None
        )

    def fill(self, card: Card) -> None:
        self.query_one("#add-front", TextArea).text = card.front
        self.query_one("#add-back", TextArea).text = card.back
        self.query_one("#add-tags", Input).value = ", ".join(card.tags)
        self.query_one("#add-level", Select).value = card.level or NO_LEVEL
        target = card.target_seconds
        self.query_one("#add-target", Input).value = "" if target is None else str(target)
        self.query_one("#add-hint", Input).value = card.hint or ""
        self._update_preview()

    def clear_for_next(self) -> None:
        """Empty what each card has of its own; keep the deck, tags and level."""
        self.query_one("#add-front", TextArea).text = ""
        self.query_one("#add-back", TextArea).text = ""
        self.query_one("#add-target", Input).value = ""
        self.query_one("#add-hint", Input).value = ""
        self.kept_tags = self._input("#add-tags")
        self.remove_class("previewing")
        self.query_one("#add-front", TextArea).focus()

    def _level(self) -> str | None:
        level = self.query_one("#add-level", Select).selection
        return None if level in (None, NO_LEVEL) else str(level)

    # the deck choice

    @on(Select.Changed, "#add-deck")
    def deck_changed(self, event: Select.Changed) -> None:
        if event.value == NEW_DECK:
            self.action_new_deck()
        elif isinstance(event.value, str):
            self.current_deck = event.value

    def action_new_deck(self) -> None:
        from flashprep.tui.screens.new_deck import NewDeckScreen

        self.app.push_screen(NewDeckScreen(self.session.library), self._deck_made)

    def _deck_made(self, deck_id: str | None) -> None:
        select = self.query_one("#add-deck", Select)
        if deck_id is None:
            select.value = self.current_deck if self.current_deck is not None else Select.NULL
            return
        select.set_options(self._deck_options())
        self._choose(deck_id)
        self.show_error("")
        self.notify(one_line(f"Deck {deck_id} created."), timeout=3, markup=False)

    # keys

    def action_save(self) -> None:
        deck_id = self.current_deck
        if deck_id is None or self.query_one("#add-deck", Select).value == NEW_DECK:
            self.show_error("Deck: choose a deck (or New deck…)")
            return
        target_text = self._input("#add-target")
        target: int | None = None
        if target_text:
            try:
                target = int(target_text)
            except ValueError:
                self.show_error(f"Target time: {target_text!r} is not a whole number of seconds")
                self.query_one("#add-target").focus()
                return
        try:
            key = add_card(
                self.session.library,
                deck_id,
                self._text("#add-front"),
                self._text("#add-back"),
                tags=split_tags(self._input("#add-tags")),
                level=self._level(),
                hint=self._input("#add-hint") or None,
                target_seconds=target,
            )
        except CardInputError as exc:
            label, selector = FIELDS.get(exc.field, (exc.field, "#add-front"))
            self.show_error(f"{label}: {exc.reason}")
            self.query_one(selector).focus()
            return
        except (DataFileError, LockedError, OSError, ValueError) as exc:
            self.show_error(f"Card not added: {exc}")
            return
        self.added += 1
        self.pending = None
        self.suggester.forget()  # the new card's tags complete from now on
        self.show_error("")
        self.clear_for_next()
        cards = "card" if self.added == 1 else "cards"
        self.notify(
            one_line(f"Added {key} ({self.added} {cards} added this time)."),
            timeout=4,
            markup=False,
        )

    def action_preview(self) -> None:
        self.toggle_class("previewing")
        self._update_preview()

    @on(TextArea.Changed, "#add-back")
    def _update_preview(self) -> None:
        if self.has_class("previewing"):
            back = self._text("#add-back")
            self.query_one("#add-preview", CardMarkdown).show(
                clean(back) if back.strip() else "*(no answer yet)*"
            )

    def action_external(self) -> None:
        editor = external_editor()
        if editor is None:
            self.notify("Set $EDITOR (or $VISUAL) to write cards in your editor.", timeout=4)
            return
        from flashprep.core.decks.deck import Card
        from flashprep.core.decks.library import card_from_toml, card_to_toml

        if self.pending is not None:
            text = self.pending
        else:
            target = self._input("#add-target")
            draft = Card.model_construct(
                id=DRAFT_ID,
                front=self._text("#add-front"),
                back=self._text("#add-back"),
                tags=split_tags(self._input("#add-tags")),
                hint=self._input("#add-hint") or None,
                level=self._level(),
                target_seconds=int(target) if target.isdigit() else None,
            )
            # the id line is left out: the id is made from the question when the card is added
            body = card_to_toml(draft).replace(f'id = "{DRAFT_ID}"\n', "", 1)
            text = (
                "# A new card: front (the question) and back (the answer, Markdown) are needed;\n"
                "# tags, level (junior, mid, senior), target_seconds and hint are optional.\n"
                "# Save and quit: the card fills the Add form, and ctrl+s adds it.\n" + body
            )
        edited = edit_in_editor(self.app, editor, text, "add-card-", self.session.store.paths.cache)
        if edited is None:
            return
        try:
            card = card_from_toml(edited, DRAFT_ID, "new card")
        except DataFileError as exc:
            self.pending = edited
            self.show_error(f"{exc.reason} (ctrl+o reopens your text)")
            return
        self.pending = None
        self.fill(card)
        self.show_error("")

    def action_leave(self) -> None:
        if not self.has_unsaved_text():
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(ConfirmScreen("Discard the card not yet saved?"), answered)
