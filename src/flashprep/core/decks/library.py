"""All decks a user can drill: bundled ones, imported ones, the user's own, and the user's edits to
bundled cards.

A broken deck file is reported and skipped; every other deck still loads. Bundled decks are never
written: an edit to a bundled card goes to `<home>/decks/overrides/<deck-id>.toml`. Own decks
(made with `flashprep deck new`) live in `<home>/decks/` beside imported ones, in the same format,
told apart by the deck's `source = "own"` (core.decks.owndecks).

Start-up reads each deck through its derived index in `<home>/cache/decks/` (core.deckindex):
metadata and card ids at once, a card's text when it is shown, and the validated pydantic models
(core.deck) only when something needs them (an edit, an export) or the index is stale.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from flashprep.core.decks import index as deckindex
from flashprep.core.decks.index import CardRecord, DeckIndex
from flashprep.core.files.fileio import atomic_write, file_stamp, remove_stale_temps
from flashprep.core.files.gcpause import gc_paused
from flashprep.core.files.lock import DECKS_WAIT_SECONDS, decks_lock
from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.keys import split_key
from flashprep.core.paths import Home, bundled_decks_dir

if TYPE_CHECKING:
    from flashprep.core.decks.deck import Card, Deck, DeckOverrides
    from flashprep.core.decks.record import DeckRecord

Source = Literal["bundled", "imported", "own"]
"""Where a deck comes from: shipped with flashprep, imported, or made by the user (`source =
"own"` in a deck file of the data folder; a bundled file's marker means nothing)."""


@dataclass(frozen=True, eq=False)
class LoadedDeck:
    """One deck as the library holds it: its index always, its validated model when asked."""

    index: DeckIndex
    path: Path
    source: Source
    overrides_dir: Path | None = None
    """Where the overrides of a bundled deck are looked for; None for an imported deck."""

    @property
    def id(self) -> str:
        return self.index.id

    @property
    def name(self) -> str:
        return self.index.name

    @property
    def category(self) -> str:
        return self.index.category

    @property
    def edited(self) -> frozenset[str]:
        return self.index.edited

    @property
    def card_ids(self) -> tuple[str, ...]:
        return self.index.card_ids

    @cached_property
    def card_keys(self) -> tuple[str, ...]:
        """The schedule keys of this deck's cards, `deck-id/card-id` (see core.keys), in deck
        order; built at every start for every card, hence no call per card."""
        return tuple(map(f"{self.id}/".__add__, self.index.card_ids))

    def records(self) -> list[CardRecord]:
        """Every card as plain data, in deck order (no pydantic): from the index, else from
        the validated deck."""
        try:
            records = self.index.records()
            self.index.release()  # what was read is in `records` now (see DeckIndex.release)
            if [r.id for r in records] == list(self.index.card_ids):
                return records
        except (ValueError, TypeError):
            pass
        return [
            CardRecord(*(getattr(c, f) for f in deckindex.CARD_FIELDS)) for c in self.deck.cards
        ]

    def tagged(self) -> dict[str, list[str]]:
        """Each tag of the deck, in order of first use, with the keys of its cards: from the
        index, else from the cards."""
        keys = self.card_keys
        tags = self.index.tags
        if not deckindex.valid_tag_positions(tags, len(keys)):  # a damaged cache
            tags = deckindex.tag_positions(self.records())
        return {tag: [keys[p] for p in places] for tag, places in tags.items()}

    @cached_property
    def deck(self) -> Deck:
        """The validated deck (overrides applied), built from the index, else from the TOML."""
        from pydantic import ValidationError

        from flashprep.core.decks.deck import Deck

        i = self.index
        try:
            cards = [deckindex.as_card_data(r) for r in i.records()]
            data = {"id": i.id, "name": i.name, "category": i.category, "cards": cards}
            source = "own" if i.own else None
            deck = Deck.model_validate({**data, "description": i.description, "source": source})
            if [c.id for c in deck.cards] == list(i.card_ids):
                return deck
        except (ValueError, TypeError, ValidationError):
            pass
        return _load_full(self.path, self.overrides_dir)[0]


def _load_overrides(path: Path) -> DeckOverrides:
    from flashprep.core.decks.deck import OVERRIDES_FILE

    return OVERRIDES_FILE.read(path)


def _apply_overrides(deck: Deck, overrides: DeckOverrides) -> tuple[Deck, frozenset[str]]:
    by_id = {c.id: c for c in overrides.cards}
    cards = [by_id.get(c.id, c) for c in deck.cards]
    edited = frozenset(c.id for c in deck.cards if c.id in by_id)
    return deck.model_copy(update={"cards": cards}), edited


def _load_full(
    path: Path, overrides_dir: Path | None, errors: list[DataFileError] | None = None
) -> tuple[Deck, frozenset[str]]:
    """Parse and validate a deck file, then apply its overrides (their errors go to `errors`)."""
    from flashprep.core.decks.deck import load_deck

    deck = load_deck(path)
    edited: frozenset[str] = frozenset()
    if overrides_dir is not None:
        overrides = overrides_dir / f"{deck.id}.toml"
        if overrides.is_file():
            try:
                deck, edited = _apply_overrides(deck, _load_overrides(overrides))
            except DataFileError as exc:
                if errors is not None:
                    errors.append(exc)
    return deck, edited


@dataclass
class DeckLibrary:
    """The decks, in display order, and the errors of those that could not be loaded."""

    home: Home
    decks: dict[str, LoadedDeck] = field(default_factory=dict)
    errors: list[DataFileError] = field(default_factory=list)
    bundled_dir: Path = field(default_factory=bundled_decks_dir)
    _texts: dict[str, CardRecord] = field(default_factory=dict)

    @classmethod
    def load(cls, home: Home, bundled_dir: Path | None = None) -> DeckLibrary:
        library = cls(home, bundled_dir=bundled_dir or bundled_decks_dir())
        library.reload()
        return library

    @classmethod
    def unloaded(cls, home: Home, bundled_dir: Path | None = None) -> DeckLibrary:
        """The library's folders, no deck read: for an import, which reads the deck files it
        changes itself (a new data folder would otherwise index every bundled deck first)."""
        return cls(home, bundled_dir=bundled_dir or bundled_decks_dir())

    def bundled_ids(self) -> set[str]:
        """The ids of the bundled decks, whose files are named by them (see tests/core/decks/)."""
        return {path.stem for path in self.bundled_dir.glob("*.toml")}

    def reload(self) -> None:
        self.decks.clear()
        self.errors.clear()
        self._texts.clear()
        with gc_paused():
            for path, source in self.deck_files():
                self._add(path, source)

    def deck_files(self) -> list[tuple[Path, Source]]:
        """Every deck file, in the order `reload` reads them, with where it comes from."""
        files: list[tuple[Path, Source]] = [
            (path, "bundled") for path in sorted(self.bundled_dir.glob("*.toml"))
        ]
        if self.home.decks.is_dir():
            files += [(path, "imported") for path in sorted(self.home.decks.glob("*.toml"))]
        return files

    def unindexed(self) -> bool:
        """Whether some deck file has no index cache at all (a first start, or every derived
        cache deleted): then loading the library parses and indexes it, which is worth doing
        ahead (core.decks.indexahead). One stat a deck; a stale cache is not looked into."""
        files = self.deck_files()
        return any(not self._cache_file(path, source).exists() for path, source in files)

    def _add(self, path: Path, source: Source) -> None:
        overrides_dir = self.home.overrides if source == "bundled" else None
        try:
            index = self._index(path, source, overrides_dir)
        except DataFileError as exc:
            self.errors.append(exc)
            return
        problem = ""
        if index.id in self.decks:
            problem = f"deck id {index.id!r} is already used by {self.decks[index.id].path}"
        elif source == "imported" and path.stem != index.id:
            problem = f"field 'id': {index.id!r} must match the file name"
        if problem:
            from flashprep.core.decks.deck import DeckError

            self.errors.append(DeckError(path, problem))
            return
        if source == "imported" and index.own:
            source = "own"
        self.decks[index.id] = LoadedDeck(index, path, source, overrides_dir)

    def _index(self, path: Path, source: Source, overrides_dir: Path | None) -> DeckIndex:
        """The deck's index from the cache; on a miss, from the validated TOML (cached again)."""

        def overrides_stamp(deck_id: str) -> deckindex.Stamp:
            return file_stamp(overrides_dir / f"{deck_id}.toml") if overrides_dir else None

        cache = self._cache_file(path, source)
        deck_stamp = file_stamp(path)
        cached = deckindex.read(cache, deck_stamp, overrides_stamp)
        if cached is not None:
            return cached
        digest = None
        with contextlib.suppress(OSError):  # unreadable: the parse below says so
            raw = path.read_bytes()
            cached = deckindex.read_same_bytes(cache, deck_stamp, raw, overrides_stamp)
            if cached is not None:
                return cached
            digest = deckindex.content_digest(raw)
        problems: list[DataFileError] = []
        deck, edited = _load_full(path, overrides_dir, problems)
        if file_stamp(path) != deck_stamp:
            digest = None  # changed meanwhile: the bytes parsed may not be the ones digested
        data = deckindex.encode(deck, edited, deck_stamp, overrides_stamp(deck.id), digest)
        if problems:  # not cached, so a broken overrides file is reported at every start
            self.errors.extend(problems)
        else:
            with contextlib.suppress(OSError):  # a read-only data folder only costs speed
                deckindex.write(cache, data)
        index = deckindex.decode(data)
        assert index is not None, "decode() reads what encode() writes"
        return index[1]

    def _cache_file(self, path: Path, source: Source) -> Path:
        return self.home.cache / "decks" / f"{source}-{path.name}.jsonl"

    def index_written(self, path: Path, deck: Deck | DeckRecord) -> None:
        """Cache the index of a deck file just written from `deck` (an import), so that the next
        load reads it instead of parsing and validating the whole file again."""
        data = deckindex.encode(deck, frozenset(), file_stamp(path), None)
        with contextlib.suppress(OSError):
            deckindex.write(self._cache_file(path, "imported"), data)

    def __iter__(self) -> Iterator[LoadedDeck]:
        return iter(self.decks.values())

    def get(self, deck_id: str) -> LoadedDeck | None:
        return self.decks.get(deck_id)

    def _find(self, key: str) -> tuple[LoadedDeck, int] | None:
        deck_id, card_id = split_key(key)
        loaded = self.decks.get(deck_id)
        if loaded is None:
            return None
        position = loaded.index.positions.get(card_id)
        return None if position is None else (loaded, position)

    def text(self, key: str) -> CardRecord | None:
        """A card's fields as plain data, for showing it: fast, no validation on the way."""
        record = self._texts.get(key)
        if record is None:
            found = self._find(key)
            if found is None:
                return None
            loaded, position = found
            try:
                record = loaded.index.record(position)
                if record.id != loaded.card_ids[position]:
                    raise ValueError("index out of step")
            except (ValueError, TypeError):  # a damaged cache: read the card from the TOML
                card = loaded.deck.cards[position]
                record = CardRecord(*(getattr(card, f) for f in deckindex.CARD_FIELDS))
            self._texts[key] = record
        return record

    def front(self, key: str) -> str | None:
        """A card's front (as `text(key).front`), without decoding the rest of its record."""
        record = self._texts.get(key)
        if record is not None:
            return record.front
        found = self._find(key)
        if found is None:
            return None
        loaded, position = found
        try:
            card_id, front = loaded.index.front(position)
            if card_id == loaded.card_ids[position]:
                return front
        except (ValueError, TypeError):
            pass
        record = self.text(key)  # out of step or damaged: the whole record, or the TOML's
        return record.front if record is not None else None

    def card(self, key: str) -> Card | None:
        """The validated card (for editing); builds its whole deck's model the first time."""
        found = self._find(key)
        if found is None:
            return None
        loaded, position = found
        return loaded.deck.cards[position]

    def card_keys(self, deck_ids: Iterable[str] | None = None) -> list[str]:
        """Card keys of the given decks (all decks when None), in deck order."""
        chosen = list(self.decks) if deck_ids is None else list(deck_ids)
        return [key for d in chosen for key in self.decks[d].card_keys]

    def unknown(self, deck_ids: Iterable[str]) -> list[str]:
        return [d for d in deck_ids if d not in self.decks]

    def save_card(self, deck_id: str, card: Card) -> None:
        """Store an edited card: over the bundled deck, or in the imported deck's own file (see
        save_cards)."""
        self.save_cards(deck_id, [card])

    def save_cards(self, deck_id: str, cards: Sequence[Card]) -> None:
        """Store edited cards of one deck in one write: over the bundled deck (its overrides
        file), or in the imported or own deck's file. KeyError if a card is not in the deck.

        Holds the decks lock while it reads and rewrites the file (waiting a few seconds for an
        import that holds it; LockedError names the holder if it does not finish in time).
        """
        from flashprep.core.decks.deck import DeckError, DeckOverrides

        loaded = self.decks[deck_id]
        for card in cards:
            if loaded.deck.card(card.id) is None:
                raise KeyError(card.id)
        by_id = {card.id: card for card in cards}
        if loaded.source != "bundled":

            def replaced(current: Deck) -> Deck:
                missing = [c for c in by_id if current.card(c) is None]
                if missing:
                    reason = f"card {missing[0]!r} is no longer in this deck"
                    raise DeckError(loaded.path, reason)
                updated = [by_id.get(c.id, c) for c in current.cards]
                return current.model_copy(update={"cards": updated})

            self.rewrite_deck(deck_id, replaced)
            return
        with self.writing():
            path = self.home.overrides / f"{deck_id}.toml"
            existing = _load_overrides(path) if path.is_file() else DeckOverrides(deck=deck_id)
            others = [c for c in existing.cards if c.id not in by_id]
            overrides = DeckOverrides(deck=deck_id, cards=[*others, *by_id.values()])
            atomic_write(path, overrides_to_toml(overrides), private=False)
        self.reload()

    def rewrite_deck(self, deck_id: str, change: Callable[[Deck], Deck]) -> Deck:
        """Replace an imported or own deck's file by `change(deck)`, the deck as it is on disk
        now (not as it was loaded: another process may have written it since), under the decks
        lock, atomically; then reload. Returns the deck written. A file that no longer parses
        or holds another deck raises DeckError, and nothing is written."""
        from flashprep.core.decks.deck import DeckError, load_deck

        loaded = self.decks[deck_id]
        if loaded.source == "bundled":
            raise ValueError(f"{deck_id!r} is a bundled deck: its file is never written")
        with self.writing():
            current = load_deck(loaded.path)
            if current.id != deck_id:
                raise DeckError(loaded.path, f"now holds deck {current.id!r}, not {deck_id!r}")
            deck = change(current)
            atomic_write(loaded.path, deck_to_toml(deck), private=False)
        self.reload()
        return deck

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """The decks lock held (waiting DECKS_WAIT_SECONDS), and what a crash left tidied."""
        lock = decks_lock(self.home)
        lock.acquire(timeout=DECKS_WAIT_SECONDS)
        try:
            for folder in (self.home.decks, self.home.overrides):
                remove_stale_temps(folder)  # left by a crash in an earlier write
            remove_stale_temps(self.home.cache / "decks", min_age=CACHE_TEMP_AGE)
            yield
        finally:
            lock.release()


CACHE_TEMP_AGE = 600.0
"""cache/decks/ is written by every process that loads a deck (no lock): a temporary file left
there is removed by a process holding the decks lock once it is this many seconds old."""


def deck_to_toml(deck: Deck | DeckRecord) -> bytes:
    """A deck file as flashprep writes it (imports, edits, export); the same file from a
    validated model and from its plain record."""
    from flashprep.core.decks.record import DeckRecord  # here: start-up writes no deck

    if isinstance(deck, DeckRecord):
        from flashprep.core.files import tomlwrite

        rows = deck.cards  # written from the records: no table built for each card
        return tomlwrite.dumps_rows(deck.head(), "cards", deckindex.CARD_FIELDS, rows).encode()
    from flashprep.core.decks.deck import DECK_FILE

    return DECK_FILE.dumps(deck)


def overrides_to_toml(overrides: DeckOverrides) -> bytes:
    from flashprep.core.decks.deck import OVERRIDES_FILE

    return OVERRIDES_FILE.dumps(overrides)


_REORDERING = re.compile("[\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def card_to_toml(card: Card) -> str:
    """One card as a TOML document, for editing in $EDITOR or in flashprep.

    Control characters come out as TOML escapes (tomli_w does that); so do the bidirectional
    overrides that could make the text look other than it is: `\\u202e` reads back the same.
    """
    from flashprep.core.files.tomlmodel import toml_text

    text = toml_text(card.model_dump(exclude_none=True), multiline=True)
    return _REORDERING.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def card_from_toml(text: str, card_id: str, where: str = "edited card") -> Card:
    """Validate an edited card; its id may not change (the schedule is keyed by it)."""
    from flashprep.core.decks.deck import EDITED_CARD

    return EDITED_CARD.parse_edited(text, card_id, where)
