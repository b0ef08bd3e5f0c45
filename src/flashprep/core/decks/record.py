"""Cards and decks as plain data, checked by core.deck's rules without importing pydantic.

An import builds thousands of cards whose values plainly pass the deck model's rules (an id made
from a digest, text that is neither blank nor too long, tags already cleaned): validating each
with pydantic cost a tenth of a 5,000-note import, and importing pydantic a tenth more. So the
readers check a card here: values that plainly pass are taken as they are, and anything else goes
through core.deck's models themselves, which accept it or raise their error. A plain check can
only accept what the models accept (tests/core/decks/test_deckrecord.py holds it to that);
what it leaves to them is decided there, so the result is the same either way. Writing a deck
from these records gives the file that writing the validated model gives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flashprep.core.decks.index import CardRecord, as_card_data, card_record
from flashprep.core.decks.rules import CATEGORIES, MAX_NAME, MAX_TEXT
from flashprep.core.keys import CARD_ID_PATTERN, DECK_ID_PATTERN

if TYPE_CHECKING:
    from flashprep.core.decks.deck import Card, Category


# The patterns end at the end of the text (`$` would also allow a newline after it, which the
# models' patterns do not).
_DECK_ID = re.compile(DECK_ID_PATTERN[:-1] + r"\Z")
_SURROGATE = re.compile("[\ud800-\udfff]")
"""A lone surrogate: the models refuse it in any text with a length or a pattern."""
_CARD_ID = re.compile(CARD_ID_PATTERN[:-1] + r"\Z")
_new_record = tuple.__new__
"""How a named tuple builds itself (`CardRecord._make`), without its Python-level `__new__`."""


class CardInvalid(ValueError):
    """A card that core.deck.Card refuses; `error` is pydantic's first error (loc, msg, ...)."""

    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error["msg"])
        self.error = error


def _text(value: object, most: int) -> bool:
    """Plainly valid as a side of a card (or a deck name): a string of 1 to `most` characters
    with no lone surrogate, not blank."""
    return (
        type(value) is str
        and 0 < len(value) <= most
        and (value.isascii() or _SURROGATE.search(value) is None)
        and not value.isspace()
    )


def _tags(tags: object) -> bool:
    """Plainly valid tags: strings of 1 to 80 characters, printable, without a space (so without
    any whitespace or control character: every other whitespace character is unprintable)."""
    if type(tags) is not list:
        return False
    for tag in tags:  # a loop: faster than all() over a generator, or than joining the tags
        if not (type(tag) is str and 0 < len(tag) <= 80 and tag.isprintable() and " " not in tag):
            return False
    return True


def checked_card(
    id: str,
    front: str,
    back: str,
    tags: list[str],
    hint: str | None = None,
    origin: str | None = None,
) -> CardRecord:
    """The card as core.deck.Card would have it; CardInvalid with its error if it refuses it."""
    if (
        type(id) is str
        and _CARD_ID.match(id) is not None
        and _text(front, MAX_TEXT)
        and _text(back, MAX_TEXT)
        and _tags(tags)
        and (hint is None or type(hint) is str)
        and (origin is None or type(origin) is str)
    ):
        return _new_record(CardRecord, (id, front, back, list(tags), hint, None, None, origin))
    from pydantic import ValidationError

    from flashprep.core.decks.deck import Card

    try:
        card = Card(id=id, front=front, back=back, tags=tags, hint=hint, origin=origin)
    except ValidationError as exc:
        raise CardInvalid(dict(exc.errors()[0])) from None
    return card_record(card)


def as_model(record: CardRecord) -> Card:
    """The validated model of a card (for the rare deck that the plain check leaves to it)."""
    from flashprep.core.decks.deck import Card

    return Card.model_validate(as_card_data(record))


@dataclass(frozen=True)
class DeckRecord:
    """A deck as plain data: core.deck.Deck's fields, its cards as records."""

    id: str
    name: str
    category: Category
    description: str
    cards: list[CardRecord]
    source: str | None = None
    """The deck's `source` marker (`"own"`), as core.deck.Deck has it; None when absent."""
    retired: tuple[str, ...] = ()
    """The ids of cards deleted from the deck (core.deck.Deck.retired)."""

    def head(self) -> dict[str, Any]:
        """`as_data()` but the cards: the deck's own values, in the model's order."""
        head = {
            "format": 1,
            "id": self.id,
            "name": self.name,
            "category": self.category,
            "description": self.description,
        }
        if self.source is not None:
            head["source"] = self.source
        if self.retired:
            head["retired"] = list(self.retired)
        return head

    def as_data(self) -> dict[str, Any]:
        """What `Deck.model_dump(exclude_none=True)` gives for this deck."""
        return {**self.head(), "cards": [as_card_data(card) for card in self.cards]}


def checked_deck(
    id: str, name: str, category: Category, description: str, cards: list[CardRecord]
) -> DeckRecord:
    """A new deck of checked cards as core.deck.Deck would have it; its ValidationError if it
    refuses it (cards with the same id, an id that is no deck id, an empty name, ...)."""
    deck = DeckRecord(id, name, category, description, cards)
    if (
        type(id) is str
        and _DECK_ID.match(id) is not None
        and type(name) is str
        and 0 < len(name) <= MAX_NAME
        and (name.isascii() or _SURROGATE.search(name) is None)
        and category in CATEGORIES
        and type(description) is str
        and len({card.id for card in cards}) == len(cards)
    ):
        return deck
    from flashprep.core.decks.deck import Deck

    model = Deck(
        id=id,
        name=name,
        category=category,
        description=description,
        cards=[as_model(card) for card in cards],
    )
    return DeckRecord(
        model.id,
        model.name,
        model.category,
        model.description,
        [card_record(c) for c in model.cards],
    )
