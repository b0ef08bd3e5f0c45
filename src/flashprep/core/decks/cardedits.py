"""Content changes to many cards at once (the card browser's and `flashprep cards`' bulk actions):
add or remove a tag, set the level, delete; and every tag in use, for completion.

Keys are grouped per deck and each deck file is written once (DeckLibrary.save_cards /
rewrite_deck: the decks lock held, the file re-read inside it, replaced atomically, the library
reloaded). A bundled card's change goes to the overrides file, as an edit does. Deleting is for
own and imported decks only: a bundled deck's file is never written, and a key of one refuses the
whole call before anything is written. The review log is never touched: a deleted card's
entries stay (the history is the user's), they are simply no longer shown.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from flashprep.core.decks.owndecks import LEVELS, CardInputError
from flashprep.core.decks.rules import TAG_PATTERN
from flashprep.core.keys import card_key, split_key

if TYPE_CHECKING:
    from flashprep.core.decks.deck import Card, Deck
    from flashprep.core.decks.library import DeckLibrary

__all__ = ["add_tag", "all_tags", "delete_cards", "remove_tag", "set_level"]

_TAG = re.compile(TAG_PATTERN[:-1] + r"\Z")


def _by_deck(library: DeckLibrary, keys: Iterable[str]) -> dict[str, list[str]]:
    """Card ids per deck id, in first-seen order, duplicates dropped; CardInputError for a key
    the library does not hold (before anything is written)."""
    grouped: dict[str, list[str]] = {}
    for key in dict.fromkeys(keys):
        deck_id, card_id = split_key(key)
        loaded = library.get(deck_id)
        if loaded is None or card_id not in loaded.index.positions:
            raise CardInputError("key", f"no card {key!r}")
        grouped.setdefault(deck_id, []).append(card_id)
    return grouped


def _change(library: DeckLibrary, keys: Iterable[str], edit: Callable[[Card], Card]) -> list[str]:
    """Apply `edit` to each card; write the cards it changed, one write per deck; return their
    keys."""
    changed: list[str] = []
    planned: list[tuple[str, list[Card]]] = []
    for deck_id, card_ids in _by_deck(library, keys).items():
        loaded = library.decks[deck_id]
        edited: list[Card] = []
        for card_id in card_ids:
            card = loaded.deck.card(card_id)
            assert card is not None, "checked by _by_deck"
            new = edit(card)
            if new != card:
                edited.append(new)
        if edited:
            planned.append((deck_id, edited))
    if planned:
        with library.writing():  # the lock held across the decks: no other writer in between
            for deck_id, edited in planned:
                library.save_cards(deck_id, edited)
                changed += [card_key(deck_id, c.id) for c in edited]
    return changed


def _check_tag(tag: str) -> None:
    if not _TAG.match(tag):
        raise CardInputError(
            "tags", f"{tag!r} is not a tag (1 to 80 characters, no spaces or control codes)"
        )


def add_tag(library: DeckLibrary, keys: Iterable[str], tag: str) -> list[str]:
    """Give the cards `tag` (at the end of their tags); return the keys of those that lacked it."""
    _check_tag(tag)

    def edit(card: Card) -> Card:
        return card if tag in card.tags else card.model_copy(update={"tags": [*card.tags, tag]})

    return _change(library, keys, edit)


def remove_tag(library: DeckLibrary, keys: Iterable[str], tag: str) -> list[str]:
    """Take `tag` off the cards; return the keys of those that had it."""
    _check_tag(tag)

    def edit(card: Card) -> Card:
        if tag not in card.tags:
            return card
        return card.model_copy(update={"tags": [t for t in card.tags if t != tag]})

    return _change(library, keys, edit)


def set_level(library: DeckLibrary, keys: Iterable[str], level: str | None) -> list[str]:
    """Set the cards' level (None: no level); return the keys of those it changed."""
    if level is not None and level not in LEVELS:
        raise CardInputError("level", f"{level!r} is not one of {', '.join(LEVELS)}")
    return _change(library, keys, lambda card: card.model_copy(update={"level": level}))


def delete_cards(library: DeckLibrary, keys: Iterable[str]) -> list[str]:
    """Remove the cards from their own or imported decks; return the keys removed.

    A key of a bundled deck refuses the call (CardInputError naming the deck) before any file is
    written; so does a key the library does not hold. A card another process removed meanwhile
    is left out of the result.
    """
    grouped = _by_deck(library, keys)
    for deck_id in grouped:
        loaded = library.decks[deck_id]
        if loaded.source == "bundled":
            raise CardInputError(
                "deck",
                f"{deck_id!r} ({loaded.name}) is a bundled deck: its cards cannot be deleted "
                "(suspend them instead)",
            )
    removed: list[str] = []
    if not grouped:
        return removed
    with library.writing():  # the lock held across the decks: no other writer in between
        for deck_id, card_ids in grouped.items():
            doomed = set(card_ids)

            def without(current: Deck, doomed: set[str] = doomed, deck_id: str = deck_id) -> Deck:
                kept = [c for c in current.cards if c.id not in doomed]
                gone = [c.id for c in current.cards if c.id in doomed]
                removed.extend(card_key(deck_id, card_id) for card_id in gone)
                retired = [
                    *(current.retired or ()),
                    *(i for i in gone if i not in (current.retired or ())),
                ]
                return current.model_copy(update={"cards": kept, "retired": retired or None})

            library.rewrite_deck(deck_id, without)
    return removed


def all_tags(library: DeckLibrary) -> list[str]:
    """Every tag any card has, sorted and unique (for completion in the forms)."""
    return sorted({tag for loaded in library for tag in loaded.tagged()})
