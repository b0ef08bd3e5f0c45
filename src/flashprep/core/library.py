"""All decks a user can drill: bundled ones, imported ones, and the user's edits to bundled cards.

A broken deck file is reported and skipped; every other deck still loads. Bundled decks are never
written: an edit to a bundled card goes to `<home>/decks/overrides/<deck-id>.toml`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from flashprep.core.deck import Card, Deck, DeckError, DeckId, load_deck
from flashprep.core.fileio import atomic_write, remove_stale_temps
from flashprep.core.lock import DECKS_WAIT_SECONDS, decks_lock
from flashprep.core.paths import Home, bundled_decks_dir
from flashprep.core.tomlerrors import DataFileError, describe_validation_error, loads_toml

Source = Literal["bundled", "imported"]


class DeckOverrides(BaseModel):
    """overrides/<deck-id>.toml: edited copies of bundled cards, applied over the bundled deck."""

    model_config = ConfigDict(extra="forbid")

    format: Literal[1] = 1
    deck: DeckId
    cards: list[Card] = Field(default_factory=list)


@dataclass(frozen=True)
class LoadedDeck:
    deck: Deck
    path: Path
    source: Source
    edited: frozenset[str] = frozenset()

    @property
    def id(self) -> str:
        return self.deck.id


def card_key(deck_id: str, card_id: str) -> str:
    """The key a user's schedule uses for a card: `deck-id/card-id`."""
    return f"{deck_id}/{card_id}"


def _load_overrides(path: Path) -> DeckOverrides:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DeckError(path, f"cannot read: {exc.strerror or exc}") from None
    data = loads_toml(raw, path)
    try:
        return DeckOverrides.model_validate(data, strict=True)
    except ValidationError as exc:
        raise DeckError(path, describe_validation_error(raw, data, exc, "cards", "card")) from None


def _apply_overrides(deck: Deck, overrides: DeckOverrides) -> tuple[Deck, frozenset[str]]:
    by_id = {c.id: c for c in overrides.cards}
    cards = [by_id.get(c.id, c) for c in deck.cards]
    edited = frozenset(c.id for c in deck.cards if c.id in by_id)
    return deck.model_copy(update={"cards": cards}), edited


@dataclass
class DeckLibrary:
    """The decks, in display order, and the errors of those that could not be loaded."""

    home: Home
    decks: dict[str, LoadedDeck] = field(default_factory=dict)
    errors: list[DataFileError] = field(default_factory=list)
    bundled_dir: Path = field(default_factory=bundled_decks_dir)
    _cards: dict[str, Card] = field(default_factory=dict)

    @classmethod
    def load(cls, home: Home, bundled_dir: Path | None = None) -> DeckLibrary:
        library = cls(home, bundled_dir=bundled_dir or bundled_decks_dir())
        library.reload()
        return library

    def reload(self) -> None:
        self.decks.clear()
        self.errors.clear()
        self._cards.clear()
        for path in sorted(self.bundled_dir.glob("*.toml")):
            self._add(path, "bundled")
        if self.home.decks.is_dir():
            for path in sorted(self.home.decks.glob("*.toml")):
                self._add(path, "imported")

    def _add(self, path: Path, source: Source) -> None:
        try:
            deck = load_deck(path)
        except DataFileError as exc:
            self.errors.append(exc)
            return
        if deck.id in self.decks:
            other = self.decks[deck.id].path
            self.errors.append(DeckError(path, f"deck id {deck.id!r} is already used by {other}"))
            return
        if source == "imported" and path.stem != deck.id:
            self.errors.append(DeckError(path, f"field 'id': {deck.id!r} must match the file name"))
            return
        edited: frozenset[str] = frozenset()
        overrides = self.home.overrides / f"{deck.id}.toml"
        if source == "bundled" and overrides.is_file():
            try:
                loaded = _load_overrides(overrides)
                deck, edited = _apply_overrides(deck, loaded)
            except DataFileError as exc:
                self.errors.append(exc)
        self.decks[deck.id] = LoadedDeck(deck, path, source, edited)
        for card in deck.cards:
            self._cards[card_key(deck.id, card.id)] = card

    def __iter__(self) -> Iterator[LoadedDeck]:
        return iter(self.decks.values())

    def get(self, deck_id: str) -> LoadedDeck | None:
        return self.decks.get(deck_id)

    def card(self, key: str) -> Card | None:
        return self._cards.get(key)

    def card_keys(self, deck_ids: Iterable[str] | None = None) -> list[str]:
        """Card keys of the given decks (all decks when None), in deck order."""
        chosen = list(self.decks) if deck_ids is None else list(deck_ids)
        return [card_key(d, c.id) for d in chosen for c in self.decks[d].deck.cards]

    def unknown(self, deck_ids: Iterable[str]) -> list[str]:
        return [d for d in deck_ids if d not in self.decks]

    def save_card(self, deck_id: str, card: Card) -> None:
        """Store an edited card: over the bundled deck, or in the imported deck's own file.

        Holds the decks lock while it reads and rewrites the file (waiting a few seconds for an
        import that holds it; LockedError names the holder if it does not finish in time).
        """
        loaded = self.decks[deck_id]
        if loaded.deck.card(card.id) is None:
            raise KeyError(card.id)
        lock = decks_lock(self.home)
        lock.acquire(timeout=DECKS_WAIT_SECONDS)
        try:
            for folder in (self.home.decks, self.home.overrides):
                remove_stale_temps(folder)  # left by a crash in an earlier write
            if loaded.source == "bundled":
                path = self.home.overrides / f"{deck_id}.toml"
                existing = _load_overrides(path) if path.is_file() else DeckOverrides(deck=deck_id)
                others = [c for c in existing.cards if c.id != card.id]
                overrides = DeckOverrides(deck=deck_id, cards=[*others, card])
                atomic_write(path, overrides_to_toml(overrides), private=False)
            else:
                current = load_deck(loaded.path)  # as it is on disk now, not as it was loaded
                if current.id != deck_id or current.card(card.id) is None:
                    raise DeckError(loaded.path, f"card {card.id!r} is no longer in this deck")
                cards = [card if c.id == card.id else c for c in current.cards]
                deck = current.model_copy(update={"cards": cards})
                atomic_write(loaded.path, deck_to_toml(deck), private=False)
        finally:
            lock.release()
        self.reload()


def _dump(data: dict[str, Any]) -> bytes:
    return tomli_w.dumps(data, multiline_strings=True).encode()


def deck_to_toml(deck: Deck) -> bytes:
    """A deck file as flashprep writes it (imports, edits, export)."""
    return _dump(deck.model_dump(exclude_none=True))


def overrides_to_toml(overrides: DeckOverrides) -> bytes:
    header = b"# Your edits to bundled cards; they win over the bundled text.\n"
    return header + _dump(overrides.model_dump(exclude_none=True))


_REORDERING = re.compile("[\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def card_to_toml(card: Card) -> str:
    """One card as a TOML document, for editing in $EDITOR or in flashprep.

    Control characters come out as TOML escapes (tomli_w does that); so do the bidirectional
    overrides that could make the text look other than it is: `\\u202e` reads back the same.
    """
    text = tomli_w.dumps(card.model_dump(exclude_none=True), multiline_strings=True)
    return _REORDERING.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def card_from_toml(text: str, card_id: str, where: str = "edited card") -> Card:
    """Validate an edited card; its id may not change (the schedule is keyed by it)."""
    raw = text.encode()
    data = loads_toml(raw, where)
    if data.get("id", card_id) != card_id:
        raise DataFileError(where, f"field 'id': cannot change the card id (keep {card_id!r})")
    data["id"] = card_id
    try:
        return Card.model_validate(data, strict=True)
    except ValidationError as exc:
        raise DataFileError(where, describe_validation_error(raw, data, exc)) from None
