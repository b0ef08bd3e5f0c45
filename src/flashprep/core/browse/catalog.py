"""What the browser knows of every card, built once per library load: its key, deck, category,
level, tags, a one-line question to show, and the text a search looks in.

Built from the decks' plain records (no pydantic) in one pass; the normalised search text, the
costly part, is made only when a query first has a free word or phrase. The browser must open
within 300 ms with 10,000 cards, and most openings search nothing at first.
"""

from __future__ import annotations

from functools import cached_property

from flashprep.core.browse.query import normalise
from flashprep.core.decks.index import CardRecord
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.text import clean


def one_line_front(front: str) -> str:
    """A question as one line of plain text for a table: cleaned of escape sequences, every run
    of white space (line breaks too) shown as one space."""
    return " ".join(clean(front).split())


def search_text(record: CardRecord) -> str:
    """What free words and phrases look in: question, answer, hint and tags, normalised; a line
    break between the parts, so a phrase never spans two of them."""
    parts = [record.front, record.back, *([record.hint] if record.hint else []), *record.tags]
    return normalise("\n".join(parts))


class Catalog:
    """Every card of a library, in library order (decks as listed, cards in deck order); column
    lists indexed by the card's place in `keys`."""

    def __init__(
        self,
        keys: list[str],
        decks: list[str],
        categories: list[str],
        records: list[CardRecord],
    ) -> None:
        self.keys = keys
        self.decks = decks
        self.categories = categories
        self.records = records
        self.levels: list[str | None] = [r.level for r in records]
        self.tags: list[list[str]] = [r.tags for r in records]

    @classmethod
    def build(cls, library: DeckLibrary) -> Catalog:
        keys: list[str] = []
        decks: list[str] = []
        categories: list[str] = []
        records: list[CardRecord] = []
        for loaded in library:
            found = loaded.records()
            prefix = f"{loaded.id}/"
            keys += [prefix + r.id for r in found]
            decks += [loaded.id] * len(found)
            categories += [loaded.category] * len(found)
            records += found
        return cls(keys, decks, categories, records)

    def __len__(self) -> int:
        return len(self.keys)

    @cached_property
    def positions(self) -> dict[str, int]:
        """Card key -> its place in the catalog."""
        return {key: i for i, key in enumerate(self.keys)}

    @cached_property
    def tag_set(self) -> frozenset[str]:
        """Every tag any card has."""
        return frozenset(tag for tags in self.tags for tag in tags)

    @cached_property
    def fronts(self) -> list[str]:
        """Each question as one line (see one_line_front)."""
        return [one_line_front(r.front) for r in self.records]

    @cached_property
    def texts(self) -> list[str]:
        """Each card's normalised search text (see search_text): made on first use."""
        return [search_text(r) for r in self.records]

    def front(self, index: int) -> str:
        """One card's one-line question, without making every card's."""
        cached = self.__dict__.get("fronts")
        return cached[index] if cached is not None else one_line_front(self.records[index].front)
