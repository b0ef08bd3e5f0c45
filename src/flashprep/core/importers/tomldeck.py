"""flashprep deck TOML files (docs/deck-format.md): checked with the same rules as any deck."""

from __future__ import annotations

from pathlib import Path

from flashprep.core.deck import load_deck
from flashprep.core.deckindex import card_record
from flashprep.core.importers.source import ImportSource, SourceDeck


def read_toml_deck(path: Path) -> ImportSource:
    """Read one deck file; raise DeckError naming the file, line, card and field."""
    deck = load_deck(path)
    source = ImportSource(path, "flashprep deck")
    source.decks.append(
        SourceDeck(
            deck.id,
            deck.name,
            deck.category,
            deck.description,
            [card_record(c) for c in deck.cards],
        )
    )
    return source
