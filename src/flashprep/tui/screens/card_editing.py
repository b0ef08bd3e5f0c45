"""Editing one card's content from any screen (the drill, the card browser, a card's details):
in $VISUAL/$EDITOR when set and the terminal can be handed over, else in the in-app editor. A
valid edit is saved through the library (a bundled card's edit goes to the overrides file); an
invalid one reopens in the in-app editor with the error. The schedule is never touched."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flashprep.core.files.lock import LockedError
from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.keys import split_key
from flashprep.core.text import one_line

if TYPE_CHECKING:
    from textual.app import App
    from textual.screen import Screen

    from flashprep.core.decks.deck import Card
    from flashprep.tui.session import Session

Saved = Callable[[str], None]
"""Called with the card's key once its edit is saved."""


def edit_card(screen: Screen[Any], session: Session, key: str, saved: Saved) -> None:
    """Open the editor on the card `key`; `saved(key)` runs once a valid edit is written."""
    from flashprep.core.decks.library import card_to_toml
    from flashprep.tui.editor import external_editor

    card = session.library.card(key)
    if card is None:
        return
    text = card_to_toml(card)
    editor = external_editor()
    edited = external_edit(screen.app, session.store.paths.cache, editor, text) if editor else None
    if edited is None:
        _edit_in_app(screen, session, key, text, saved)
    elif edited != text:
        _check_and_save(screen, session, key, edited, saved)


def external_edit(app: App[Any], folder: Path, editor: str, text: str) -> str | None:
    """Edit in $EDITOR with the TUI suspended; None when the editor could not run. The file is
    written in the user's own (private) cache `folder`: nothing outside the data folder."""
    from flashprep.tui.editor import edit_in_editor

    return edit_in_editor(app, editor, text, "edit-card-", folder)


def _check_and_save(
    screen: Screen[Any], session: Session, key: str, text: str, saved: Saved
) -> None:
    """Save a valid edit; an invalid one opens the in-app editor on it, with the error."""
    from flashprep.core.decks.library import card_from_toml

    _deck_id, card_id = split_key(key)
    try:
        card = card_from_toml(text, card_id)
    except DataFileError as exc:
        _edit_in_app(screen, session, key, text, saved, exc.reason)
        return
    _save(screen, session, key, card, saved)


def _edit_in_app(
    screen: Screen[Any], session: Session, key: str, text: str, saved: Saved, error: str = ""
) -> None:
    from flashprep.tui.screens.edit import EditCardScreen

    _deck_id, card_id = split_key(key)

    def done(card: Card | None) -> None:
        if card is not None:
            _save(screen, session, key, card, saved)

    screen.app.push_screen(EditCardScreen(card_id, text, error), done)


def _save(screen: Screen[Any], session: Session, key: str, card: Card, saved: Saved) -> None:
    deck_id, _card_id = split_key(key)
    try:
        session.library.save_card(deck_id, card)
    except (OSError, DataFileError, LockedError) as exc:
        screen.notify(one_line(f"Card not saved: {exc}"), severity="error", markup=False)
        return
    screen.notify("Card saved; its schedule is kept.", timeout=2, markup=False)
    saved(key)
