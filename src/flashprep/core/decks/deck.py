"""Deck files: the pydantic models, and loading one deck TOML file with errors that name the spot.

A deck is shared content (questions and model answers); it never holds a user's schedule. Schedules
are keyed by deck id + card id, so text can be fixed without losing progress.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, Protocol, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from flashprep.core.decks.rules import (
    CATEGORIES,
    DEFAULT_TARGET_SECONDS,
    MAX_NAME,
    MAX_TEXT,
    TAG_PATTERN,
    target_seconds,
)
from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.files.tomlmodel import TomlFile
from flashprep.core.keys import CARD_ID_PATTERN, CARD_KEY, DECK_ID_PATTERN
from flashprep.core.text import clean, one_line

__all__ = [
    "CATEGORIES",
    "DEFAULT_TARGET_SECONDS",
    "Card",
    "Deck",
    "DeckError",
    "DeckOverrides",
    "load_deck",
    "parse_deck",
    "target_seconds",
]

DECK_FORMAT = 1

Category = Literal["behavioral", "technical", "system-design", "general"]
Level = Literal["junior", "mid", "senior"]

DeckId = Annotated[str, StringConstraints(pattern=DECK_ID_PATTERN)]
CardId = Annotated[str, StringConstraints(pattern=CARD_ID_PATTERN)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT)]
Tag = Annotated[str, StringConstraints(pattern=TAG_PATTERN)]


def _card_key(value: str) -> str:
    if not CARD_KEY.match(value):
        raise ValueError(f"{value!r} is not a card key 'deck-id/card-id'")
    return value


CardKey = Annotated[str, AfterValidator(_card_key)]
"""A card as a user's files name it: `deck-id/card-id`."""


class Card(BaseModel):
    """One question and its model answer (Markdown)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: CardId
    front: Text
    back: Text
    tags: list[Tag] = Field(default_factory=list)
    hint: str | None = None
    level: Level | None = None
    target_seconds: Annotated[int, Field(ge=5, le=3600)] | None = None
    origin: str | None = None
    """Where an imported card came from (e.g. an Anki note guid + card ordinal); import uses it."""

    @field_validator("front", "back")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


_WithId = TypeVar("_WithId", bound=_HasId)


def unique_ids(items: list[_WithId], noun: str) -> list[_WithId]:
    """Refuse a list in which two items share an id (for a pydantic field validator)."""
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise ValueError(f"duplicate {noun} id {item.id!r}")
        seen.add(item.id)
    return items


class Deck(BaseModel):
    """A deck file: metadata and its cards, ids unique within the deck."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal[1] = 1
    id: DeckId
    name: Annotated[str, StringConstraints(min_length=1, max_length=MAX_NAME)]
    category: Category
    description: str = ""
    source: Literal["own"] | None = None
    """`"own"` for a deck the user made in flashprep (`flashprep deck new`); absent otherwise.
    Only a deck file in the data folder is listed as own by it (core.decks.library)."""
    retired: list[CardId] | None = None
    """Ids of cards deleted from this deck (core.decks.cardedits.delete_cards): a new card never
    gets one, since the review log keeps the deleted card's history under its key and a new card
    with that id would inherit it. Absent until a card is deleted."""
    cards: list[Card] = Field(default_factory=list)

    @field_validator("cards")
    @classmethod
    def _unique_ids(cls, cards: list[Card]) -> list[Card]:
        return unique_ids(cards, "card")

    @field_validator("name")
    @classmethod
    def _clean_name(cls, value: str) -> str:
        return one_line(value)  # shown on many screens and by the commands: no escapes

    @field_validator("description")
    @classmethod
    def _clean_description(cls, value: str) -> str:
        return clean(value)

    def card(self, card_id: str) -> Card | None:
        for card in self.cards:
            if card.id == card_id:
                return card
        return None


class DeckOverrides(BaseModel):
    """overrides/<deck-id>.toml: edited copies of bundled cards, applied over the bundled deck."""

    model_config = ConfigDict(extra="forbid")

    format: Literal[1] = 1
    deck: DeckId
    cards: list[Card] = Field(default_factory=list)


class DeckError(DataFileError):
    """A deck file that cannot be used; the message names the file, the line, the card and field."""


DECK_FILE = TomlFile(Deck, items="cards", noun="card", error=DeckError, multiline=True)
"""A deck file (bundled, imported or exported)."""

OVERRIDES_FILE = TomlFile(
    DeckOverrides,
    items="cards",
    noun="card",
    error=DeckError,
    header="# Your edits to bundled cards; they win over the bundled text.\n",
    multiline=True,
)
"""overrides/<deck-id>.toml."""

EDITED_CARD = TomlFile(Card, noun="card", multiline=True)
"""One card as its own TOML document, edited in $EDITOR or in flashprep."""


def parse_deck(raw: bytes, path: Path | str = "<deck>") -> Deck:
    """Validate deck TOML bytes; raise DeckError naming the spot on any problem."""
    return DECK_FILE.parse(raw, path)


def load_deck(path: Path) -> Deck:
    """Read and validate one deck file."""
    return DECK_FILE.read(path)
