"""flashprep deck TOML files (docs/deck-format.md): checked with the same rules as any deck."""

from __future__ import annotations

from pathlib import Path

from flashprep.core.decks.deck import parse_deck
from flashprep.core.decks.index import card_record
from flashprep.core.importers.source import ImportSource, SourceDeck, read_capped


def read_toml_deck(path: Path) -> ImportSource:
    """Read one deck file; raise DeckError naming the file, line, card and field.

    Read as any deck file is (core.deck.load_deck), but with the text import's cap on the bytes
    read: the file named may be a pipe or a device."""
    deck = parse_deck(read_capped(path), path)
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
