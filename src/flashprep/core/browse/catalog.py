"""What the browser knows of every card, built once per library load: its key, deck, category,
level, tags, a one-line question to show, and the text a search looks in.

Built from the decks' plain records (no pydantic) in one pass, a part of each deck at a time, and
only the columns are kept: a card's whole record (its answer, as markdown) is read again from its
deck's index when its details are shown. At 50,000 cards the records would take about as much
memory again as the search texts, which are most of what is kept (issue #23: 300 MiB).
Equal tag lists and levels share one object; the keys are the library's own strings.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from itertools import compress

from flashprep.core.browse.query import normalise
from flashprep.core.decks.index import CardRecord
from flashprep.core.decks.library import DeckLibrary, LoadedDeck
from flashprep.core.files.gcpause import gc_paused
from flashprep.core.text import clean

PART = 1000
"""Cards decoded at once while building: what is held besides the columns stays small."""
KEPT_NEEDLES = 16
"""How many words' answers `holding` keeps (a byte per card each)."""


def one_line_front(front: str) -> str:
    """A question as one line of plain text for a table: cleaned of escape sequences, every run
    of white space (line breaks too) shown as one space."""
    return " ".join(clean(front).split())


def search_text(record: CardRecord) -> str:
    """What free words and phrases look in: question, answer, hint and tags, normalised; a line
    break between the parts, so a phrase never spans two of them."""
    parts = [record.front, record.back, *([record.hint] if record.hint else []), *record.tags]
    return normalise("\n".join(parts))


def _parts(loaded: LoadedDeck) -> Iterator[list[CardRecord]]:
    """The deck's records a part at a time, read from its index; ValueError or TypeError when
    the index is damaged (the caller then reads `loaded.records()`, as the drill does)."""
    index = loaded.index
    ids = loaded.card_ids
    for start in range(0, len(ids), PART):
        part = index.records(start, start + PART)
        if [r.id for r in part] != list(ids[start : start + PART]):
            raise ValueError("index out of step")
        yield part


class Catalog:
    """Every card of a library, in library order (decks as listed, cards in deck order); column
    lists indexed by the card's place in `keys`."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.decks: list[str] = []
        self.categories: list[str] = []
        self.levels: list[str | None] = []
        self.tags: list[tuple[str, ...]] = []
        """Each card's tags; cards with the same tags share one tuple."""
        self.fronts: list[str] = []
        """Each question as one line (see one_line_front)."""
        self.texts: list[str] = []
        """Each card's normalised search text (see search_text)."""
        self._holding: dict[str, bytes] = {}
        self._levels: dict[str | None, str | None] = {}
        self._tag_lists: dict[tuple[str, ...], tuple[str, ...]] = {}

    @classmethod
    def build(cls, library: DeckLibrary) -> Catalog:
        catalog = cls()
        with gc_paused():  # hundreds of thousands of new objects, none of them in a cycle
            for loaded in library:
                catalog._add_deck(loaded)
        catalog._levels.clear()
        catalog._tag_lists.clear()
        return catalog

    def _add_deck(self, loaded: LoadedDeck) -> None:
        marks = len(self.keys)
        try:
            for part in _parts(loaded):
                self._add_records(part)
        except (ValueError, TypeError):  # a damaged index: the deck's records another way
            del self.levels[marks:], self.tags[marks:], self.fronts[marks:], self.texts[marks:]
            self._add_records(loaded.records())
        finally:
            loaded.index.release()
        self.keys += loaded.card_keys
        count = len(self.keys) - marks
        self.decks += [loaded.id] * count
        self.categories += [loaded.category] * count

    def _add_records(self, records: list[CardRecord]) -> None:
        level, tags = self._levels.setdefault, self._tag_lists.setdefault
        self.levels += [level(r.level, r.level) for r in records]
        self.tags += [tags(t, t) for t in map(tuple, (r.tags for r in records))]
        self.fronts += [one_line_front(r.front) for r in records]
        self.texts += map(search_text, records)

    def __len__(self) -> int:
        return len(self.keys)

    @cached_property
    def positions(self) -> dict[str, int]:
        """Card key -> its place in the catalog."""
        return {key: i for i, key in enumerate(self.keys)}

    @cached_property
    def tag_set(self) -> frozenset[str]:
        """Every tag any card has."""
        return frozenset(tag for tags in set(self.tags) for tag in tags)

    def holding(self, needle: str) -> bytes:
        """Which cards' search text holds `needle` (normalised): a byte for each card, 1 or 0.

        The answers for the last few needles are kept. Typing on makes a needle that holds a
        kept one, and a text holds it only if it holds that one too: only the cards that held
        the longest such needle are looked in (typing `q`, `q1`, `q12` looks at fewer cards each
        time; erasing a letter finds the answer kept)."""
        kept = self._holding
        found = kept.pop(needle, None)
        if found is None:
            texts = self.texts
            base = max((k for k in kept if k in needle), key=len, default=None)
            if base is None:
                found = bytes([needle in text for text in texts])
            else:
                hits = bytearray(len(texts))
                for i in compress(range(len(texts)), kept[base]):
                    if needle in texts[i]:
                        hits[i] = 1
                found = bytes(hits)
            if len(kept) >= KEPT_NEEDLES:
                del kept[next(iter(kept))]  # the least recently asked
        kept[needle] = found
        return found

    def front(self, index: int) -> str:
        """One card's one-line question."""
        return self.fronts[index]
