"""What every reader produces: decks of flashprep cards, review history, warnings; and the ids.

Ids are derived, never random, so that importing the same file again finds the same decks and
cards (and the same reviews) and updates them instead of adding copies.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from flashprep.core.decks.ankinotes import AnkiNotes
from flashprep.core.decks.index import CardRecord
from flashprep.core.files.tomlerrors import DataFileError, cannot_read
from flashprep.core.keys import card_key, parse_own_guid
from flashprep.core.storage.reviewlog import LogEntry, check_entry

if TYPE_CHECKING:  # the readers of Anki packages need no pydantic: see core.deckrecord
    from flashprep.core.decks.deck import Category

EMPTY_SIDE = "*(empty)*"
"""Shown for a side the file leaves empty (a card needs both), with a warning."""
_SLUG_GAP = re.compile(r"[^a-z0-9]+")
_TAG_BAD = re.compile(r"[\s\x00-\x1f]+")


def source_review(
    entry_id: str,
    deck_id: str,
    card_id: str,
    at: datetime,
    action: str = "grade",
    rating: int | None = None,
    ms: int = 0,
) -> LogEntry:
    """One past action on a card, from another tool's history, made once as the log entry it
    becomes (mode "import"), under the card's key in the deck the file proposes: `apply`
    moves it only when the card goes to another deck. The log writer and the replay take it
    as it is: a history of a million is not copied from one form into another."""
    return LogEntry(entry_id, at, card_key(deck_id, card_id), rating, action, ms, "import")


@dataclass
class SourceDeck:
    """A deck as the file describes it; `id` is proposed and may change when it is applied.
    Its cards were checked by the deck model's rules (core.deckrecord.checked_card)."""

    id: str
    name: str
    category: Category = "general"
    description: str = ""
    cards: list[CardRecord] = field(default_factory=list)
    anki: AnkiNotes = field(default_factory=AnkiNotes)
    """The Anki notes behind cards that came from Anki (kept for exports back to Anki)."""


@dataclass
class ImportSource:
    """One file, read and checked; nothing written yet."""

    path: Path
    kind: str
    decks: list[SourceDeck] = field(default_factory=list)
    reviews: list[LogEntry] = field(default_factory=list)
    """Log entries of mode "import" (see source_review)."""
    warnings: list[str] = field(default_factory=list)
    skipped_reviews: int = 0
    owner: str | None = None
    """The flashprep user whose history a package exported by flashprep holds, else None."""
    _count_at: int = field(default=-1, repr=False)
    """Where in `warnings` the count of further skipped reviews is."""

    def deck(self, deck_id: str, name: str) -> SourceDeck:
        """The deck with this id, created on first use (cards of one deck may come in any order)."""
        for deck in self.decks:
            if deck.id == deck_id:
                return deck
        created = SourceDeck(deck_id, name, category_for(name))
        self.decks.append(created)
        return created

    def warn(self, message: str) -> None:
        self.warnings.append(f"{self.path.name}: {message}")

    def add_review(self, review: LogEntry) -> bool:
        """Keep `review` if the review log's reader will accept it once written, else skip it
        with a warning (the first few by name, then a count): a written entry the reader
        refuses would lock the user out of every command."""
        try:
            check_entry(review)
        except ValueError as exc:
            self.skip_review(review.id, str(exc))
            return False
        self.reviews.append(review)
        return True

    def accepts_card(self, deck_id: str, card_id: str) -> bool:
        """Whether the review log's reader accepts entries of this card (its key): the part of
        `add_review`'s check that a reader checking a whole history card by card needs once
        per card (see ankipackage._read_revlog)."""
        probe = LogEntry("probe", _PROBE_AT, card_key(deck_id, card_id), 1, "grade", 0, "import")
        try:
            check_entry(probe)
        except ValueError:
            return False
        return True

    def skip_review(self, name: str, reason: str) -> None:
        """Warn that a review is left out; past MAX_REVIEW_WARNINGS, one line counts the rest."""
        self.skipped_reviews += 1
        if self.skipped_reviews <= MAX_REVIEW_WARNINGS:
            self.warn(f"review {name!r} skipped: {reason}")
            return
        more = self.skipped_reviews - MAX_REVIEW_WARNINGS
        note = f"{self.path.name}: {more} more review(s) skipped for such reasons"
        if self._count_at < 0:
            self._count_at = len(self.warnings)
            self.warnings.append(note)
        else:
            self.warnings[self._count_at] = note


_PROBE_AT = datetime(2000, 1, 1, tzinfo=UTC)
"""A time every log accepts, for `accepts_card`'s probe."""
MAX_REVIEW_WARNINGS = 5
"""Bad reviews named one by one in the warnings; the rest are counted."""


def _digest(text: str, size: int = 12) -> str:
    return hashlib.sha1(text.encode("utf-8", errors="surrogatepass")).hexdigest()[:size]


@lru_cache(maxsize=1024)
def deck_id_for(name: str) -> str:
    """A deck id from a deck name: `Interview::Behavioral` -> `interview-behavioral`."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    slug = _SLUG_GAP.sub("-", ascii_name).strip("-")[:80].rstrip("-._")
    return slug or f"deck-{_digest(name, 8)}"


def card_id_for_guid(guid: str, ordinal: int) -> str:
    """A card id from an Anki note guid and the card's ordinal (template, or cloze number - 1).

    Cards flashprep exported keep their own id (their guid is `flashprep:<deck>/<card>`).
    """
    own = parse_own_guid(guid)
    if own and ordinal == 0:
        return own[1]
    return f"{_guid_digest(guid)}-{ordinal}"


@lru_cache(maxsize=64)
def _guid_digest(guid: str) -> str:
    """Cached: the cards of one note (reversed, cloze) share their guid."""
    return _digest("guid:" + guid)


def deck_id_for_card(guid: str | None, deck_name: str) -> str:
    """The deck id of a card: the one flashprep exported it from, else one from the deck name."""
    own = parse_own_guid(guid or "")
    return own[0] if own else deck_id_for(deck_name)


def card_id_for_text(first_field: str, ordinal: int = 0) -> str:
    """A card id for a note that has no guid: from its first field, as Anki matches duplicates."""
    return f"{_digest('text:' + first_field.strip())}-{ordinal}"


def clean_tags(raw: list[str]) -> list[str]:
    """Tags as flashprep takes them: no spaces or control characters, at most 80 characters."""
    out: list[str] = []
    for tag in raw:
        # A printable tag without a space has nothing to replace (the usual case): no regex.
        clean = tag if tag.isprintable() and " " not in tag else _TAG_BAD.sub("_", tag.strip())
        tag = clean[:80]
        if tag and tag not in out:
            out.append(tag)
    return out


_CATEGORY_WORDS: tuple[tuple[str, Category], ...] = (
    ("behavio", "behavioral"),
    ("system design", "system-design"),
    ("system-design", "system-design"),
    ("systemdesign", "system-design"),
    ("technic", "technical"),
    ("coding", "technical"),
    ("algorithm", "technical"),
    ("programming", "technical"),
)


def category_for(name: str) -> Category:
    """A category guessed from a deck name (`Interview::Behavioral` -> behavioral), else general."""
    lowered = name.lower()
    for word, category in _CATEGORY_WORDS:
        if word in lowered:
            return category
    return "general"


MAX_TEXT_BYTES = 256 << 20


def read_capped(path: Path, cap: int | None = None) -> bytes:
    """A file's bytes, at most `cap` (MAX_TEXT_BYTES); refuse a longer one. The bytes read are
    counted, not the size the file claims: a device, a pipe or a /proc file claims 0 and may
    never end."""
    cap = MAX_TEXT_BYTES if cap is None else cap
    try:
        with path.open("rb") as handle:
            raw = handle.read(cap + 1)
    except OSError as exc:
        raise cannot_read(path, exc) from None
    if len(raw) > cap:
        raise DataFileError(path, f"too large for a text import (more than {cap >> 20} MiB)")
    return raw


def read_text(path: Path) -> str:
    """A text file as UTF-8 (a BOM is dropped); refuse binary data and invalid UTF-8 by line."""
    raw = read_capped(path)
    if b"\x00" in raw:
        line = raw.count(b"\n", 0, raw.index(b"\x00")) + 1
        raise DataFileError(path, f"line {line}: binary data, not a text file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise DataFileError(
            path, f"line {line}: not valid UTF-8 (save the file as UTF-8)"
        ) from None
    return text.removeprefix("\ufeff")
