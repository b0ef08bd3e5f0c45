"""What start-up needs from a deck file, without parsing it: a derived, disposable cache.

Parsing and validating 10,000 cards of TOML takes seconds, and importing pydantic alone costs about
half of a bare Textual app's start. So each deck file gets a cache file, written from the validated
deck: one JSON header line (the deck's metadata, its card ids, where each card's line starts), then
one JSON line per card. Start-up reads the header; a card's line is decoded when the card is shown.

The cache is keyed by this format, the card fields, and the size and modification time (ns) of the
deck file and of its overrides file. When any of them differs, or the cache cannot be read, the
deck is loaded from its TOML (the truth) and the cache written again; deleting it is always safe.
A deck file whose time changed but not its bytes (the bundled decks after `pip install` of a new
version, a data folder copied or synced from another computer) is known by the digest of its
bytes in the header (`read_same_bytes`): its cache is used and stamped anew, not rebuilt.
Nothing here imports pydantic: the validated models live in core.deck.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import mmap
import operator
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from flashprep.core.files.fileio import atomic_write
from flashprep.core.text import clean, one_line


class _CardData(Protocol):
    """A card as the index encodes it: core.decks.deck.Card, or a plain CardRecord."""

    @property
    def id(self) -> str: ...
    @property
    def tags(self) -> list[str]: ...


class _DeckData(Protocol):
    """A deck as the index encodes it: the validated Deck, or a plain DeckRecord (which are
    not imported here: both build on this module)."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def cards(self) -> Sequence[Any]: ...


INDEX_FORMAT = 3
"""3: the header says whether the deck is the user's own (`"own"`), so `decks` lists it unparsed."""
CARD_FIELDS = ("id", "front", "back", "tags", "hint", "level", "target_seconds", "origin")
"""The fields of core.deck.Card, in the order a card's line holds them (a test keeps them equal)."""

Buffer = bytes | mmap.mmap
Stamp = list[int] | None
"""[size, mtime_ns] of a file, or None when it does not exist (see fileio.file_stamp)."""


class CardRecord(NamedTuple):
    """One card as plain data, as the drill shows it; decoded from the cache, not re-validated."""

    id: str
    front: str
    back: str
    tags: list[str]
    hint: str | None
    level: str | None
    target_seconds: int | None
    origin: str | None


class _HasTags(Protocol):
    @property
    def tags(self) -> list[str]: ...


@dataclass(frozen=True, eq=False)
class DeckIndex:
    """A deck's metadata and card ids, and where each card's line is in `data`."""

    id: str
    name: str
    category: str
    description: str
    card_ids: tuple[str, ...]
    edited: frozenset[str]
    data: Buffer = field(repr=False)
    """The cache file's bytes (a memory map of it: pages are read only when a card is shown)."""
    layout: tuple[int, bytes, bytes] = field(repr=False)
    """Where the first card's line starts, and the header's JSON of `starts` and of `tags`, as
    written: decoded when first used (see `decode`)."""
    own: bool = False
    """Whether the deck file carries `source = "own"` (a deck the user made in flashprep)."""
    key: Any = field(default=None, repr=False)
    """The cache key this index was read with (`cache_key`: the format and the stamps of the
    deck file and its overrides): what its card ids depend on, for caches derived from them."""

    @cached_property
    def starts(self) -> tuple[int, ...]:
        """Offset in `data` of each card's line; the line ends at the next card's start."""
        first, starts, _ = self.layout
        return tuple(first + s for s in json.loads(b"[" + starts + b"]"))

    @cached_property
    def tags(self) -> Any:
        """Each tag and the places of its cards in the deck (for statistics by tag, without
        decoding every card): a dict of lists, or, in a damaged file, anything else
        (`valid_tag_positions` says which)."""
        try:
            return json.loads(self.layout[2])
        except ValueError:
            return None

    @cached_property
    def positions(self) -> dict[str, int]:
        """Card id -> its place in the deck (built on first use)."""
        return {c: i for i, c in enumerate(self.card_ids)}

    def record(self, index: int) -> CardRecord:
        """Decode one card's line; ValueError or TypeError if it is damaged."""
        end = self.starts[index + 1] if index + 1 < len(self.starts) else len(self.data)
        return CardRecord(*json.loads(self.data[self.starts[index] : end]))

    def front(self, index: int) -> tuple[str, str]:
        """One card's id and front, decoded from the start of its line alone (a list of many
        cards, as the statistics' leeches, needs no more, and the back is most of a line);
        ValueError if that start is damaged."""
        end = self.starts[index + 1] if index + 1 < len(self.starts) else len(self.data)
        line = bytes(self.data[self.starts[index] : end]).decode()
        if not line.startswith('["'):
            raise ValueError("not a card's line")
        card_id, after = _scan_string(line, 2)
        if line[after : after + 2] != ',"':
            raise ValueError("not a card's line")
        front, _ = _scan_string(line, after + 2)
        return card_id, front

    def records(self, start: int = 0, stop: int | None = None) -> list[CardRecord]:
        """The cards from place `start` up to `stop` (default: the last), decoded in one go (one
        JSON array of the lines, not a parse per card); ValueError or TypeError if the file is
        damaged. A part at a time keeps what a bulk reader holds at once small (the catalog)."""
        starts = self.starts
        stop = len(starts) if stop is None else min(stop, len(starts))
        if start >= stop:
            return []
        end = starts[stop] if stop < len(starts) else len(self.data)
        lines = self.data[starts[start] : end].rstrip(b"\n")
        rows = json.loads(b"[" + lines.replace(b"\n", b",") + b"]")
        if len(rows) != stop - start:
            raise ValueError("wrong number of cards")
        return [CardRecord(*row) for row in rows]

    def release(self) -> None:
        """Let go of the pages of the cache file read so far (a memory map's pages count in this
        process's memory once touched): after a reader of every card, such as the catalog. They
        stay in the system's file cache, and are read again when a card is next shown."""
        data = self.data
        if isinstance(data, mmap.mmap) and hasattr(mmap, "MADV_DONTNEED"):
            with contextlib.suppress(OSError, ValueError):
                data.madvise(mmap.MADV_DONTNEED)


def cache_key(deck: Stamp, overrides: Stamp) -> list[Any]:
    """What a cache file must have been written for to be used."""
    return [INDEX_FORMAT, list(CARD_FIELDS), deck, overrides]


def content_digest(raw: bytes) -> str:
    """The digest of a deck file's bytes, by which a cache knows the file again (see module)."""
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def encode(
    deck: _DeckData,
    edited: frozenset[str],
    deck_stamp: Stamp,
    overrides: Stamp,
    digest: str | None = None,
) -> bytes:
    """The cache file for a validated deck (with its overrides applied); `digest`, that of the
    deck file's bytes it was made from (content_digest), when known."""
    lines = _card_lines(deck.cards)
    starts: list[int] = []
    offset = 0
    for line in lines:
        starts.append(offset)
        offset += (len(line) if line.isascii() else len(line.encode())) + 1  # bytes, and "\n"
    header = {
        "key": cache_key(deck_stamp, overrides),
        "id": deck.id,
        "name": deck.name,
        "category": deck.category,
        "description": deck.description,
        "cards": [c.id for c in deck.cards],
        "edited": sorted(edited),
        "starts": starts,
        "tags": tag_positions(deck.cards),
        "own": getattr(deck, "source", None) == "own",
        "digest": digest,
    }
    body = "\n".join([*lines, ""])  # each line ends with "\n"
    return f"{json.dumps(header, separators=(',', ':'))}\n{body}".encode()


def tag_positions(cards: Iterable[_HasTags]) -> dict[str, list[int]]:
    """Each tag, in order of first use, with the places of the cards that carry it."""
    out: dict[str, list[int]] = {}
    for index, card in enumerate(cards):
        for tag in dict.fromkeys(card.tags):
            out.setdefault(tag, []).append(index)
    return out


def valid_tag_positions(tags: Any, cards: int) -> bool:
    """Whether `tags` (read from a cache file) maps tags to places of a deck of `cards` cards."""
    return isinstance(tags, dict) and all(
        isinstance(places, list)
        and set(map(type, places)) <= {int}  # (no step per place: 100,000 at 50,000 cards)
        and (not places or (min(places) >= 0 and max(places) < cards))
        for places in tags.values()
    )


_LINE_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
"""What `json.dumps(row, ensure_ascii=False, separators=...)` uses, made once (not per card)."""


_scan_string: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]
"""The JSON string that starts after a quote, and where it ends, as `json.loads` reads it."""
_CARD_VALUES = operator.attrgetter(*CARD_FIELDS)
_CARD_BOUNDARY = re.compile(r'\],\["(?=[A-Za-z0-9])')
"""Where one card's array ends and the next begins in a JSON array of cards (a card id starts
with a letter or a digit)."""


def _card_lines(cards: Sequence[Any]) -> list[str]:
    """Each card's line (its fields as a JSON array), without its line end.

    The cards are encoded in one call, as one array of arrays, and cut at each boundary: each
    call costs more than the encoding of a card. Every boundary between two cards is found; a
    cut inside a card would give more lines than cards, and then each card is encoded alone
    (none can: a quote inside a string is escaped, and a card's one nested array follows one).
    """
    rows = [_CARD_VALUES(card) for card in cards]
    if not rows:
        return []
    body = _LINE_ENCODER.encode(rows)[1:-1]
    lines: list[str] = []
    start = 0
    for boundary in _CARD_BOUNDARY.finditer(body):
        lines.append(body[start : boundary.start() + 1])
        start = boundary.start() + 2
    lines.append(body[start:])
    if len(lines) != len(rows):
        return [_LINE_ENCODER.encode(row) for row in rows]
    return lines


_HEAD_KEYS = ["key", "id", "name", "category", "description", "cards", "edited"]


def _places(text: bytes) -> bool:
    """Whether `text` is the inside of a JSON list of card places as `encode` writes it: whole
    numbers, the first 0 and no other (checked with bytes methods, not parsed or matched: at
    50,000 cards this is 400 kB)."""
    if not text:
        return True
    return (
        not text.translate(None, b"0123456789,")
        and text[:2] in (b"0", b"0,")
        and not text.endswith(b",")
        and b",," not in text
        and b",0" not in text
    )


def decode(data: Buffer) -> tuple[list[Any], DeckIndex] | None:
    """The key and the index held in a cache file; None if it is not one this version wrote.

    The header's `starts` and `tags` (at 50,000 cards two thirds of it, and most of the time
    decoding it) are only checked for their shape here, and decoded when first used: start-up
    needs neither, but the card shown first, and that from its deck alone."""
    newline = data.find(b"\n")
    if newline < 0:
        return None
    line = data[:newline]
    # the middle as `encode` writes it: `,"starts":[...],"tags":{...},"own":`; a JSON string
    # holds no bare `"`, so none of these markers can be inside one (a tag named "own" can only
    # come before the last)
    cut = line.find(b',"starts":[')
    sep = line.find(b'],"tags":{', cut)
    end = line.rfind(b',"own":')
    if not 0 < cut < sep < end or line[end - 1 : end] != b"}":
        return None
    starts, tags = line[cut + 11 : sep], line[sep + 9 : end]
    if not _places(starts):
        return None
    try:
        head = json.loads(line[:cut] + b"}")
        head |= json.loads(b"{" + line[end + 1 :])
        if list(head)[: len(_HEAD_KEYS)] != _HEAD_KEYS or len(head) != len(_HEAD_KEYS) + 2:
            return None
        ids = tuple(head["cards"])
        count = starts.count(b",") + 1 if starts else 0
        meta = (head["id"], head["name"], head["category"], head["description"])
        if not all(isinstance(m, str) for m in meta) or len(ids) != count:
            return None
        # a deck's name and description come from any imported file: cleaned once, here, where
        # every deck enters at start-up (its cards are cleaned where they are shown)
        meta = (meta[0], one_line(meta[1]), meta[2], clean(meta[3]))
        if starts and newline + 1 + int(starts[starts.rfind(b",") + 1 :]) >= len(data):
            return None
        own = head["own"]
        if type(own) is not bool:
            return None
        layout = (newline + 1, starts, tags)  # tags: checked where used (LoadedDeck.tagged)
        index = DeckIndex(*meta, ids, frozenset(head["edited"]), data, layout, own, head["key"])
        return head["key"], index
    except (ValueError, KeyError, TypeError):
        return None


def read(cache: Path, deck_stamp: Stamp, overrides_of: Callable[[str], Stamp]) -> DeckIndex | None:
    """The cached index if it matches the deck file (and the overrides of its deck id) exactly.

    The file is memory-mapped, not read: a replaced cache file leaves this map intact.
    """
    try:
        with cache.open("rb") as handle:
            data: Buffer = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):  # missing, unreadable, or empty
        return None
    decoded = decode(data)
    if decoded is None:
        return None
    key, index = decoded
    if key != cache_key(deck_stamp, overrides_of(index.id)):
        return None
    return index


def read_same_bytes(
    cache: Path, deck_stamp: Stamp, raw: bytes, overrides_of: Callable[[str], Stamp]
) -> DeckIndex | None:
    """The cached index of a deck file whose stamp changed but whose bytes (`raw`) are the
    ones the cache was made from, its overrides unchanged; the cache is rewritten with the new
    stamp. None when anything else differs."""
    try:
        data = cache.read_bytes()
    except OSError:
        return None
    decoded = decode(data)
    newline = data.find(b"\n")
    if decoded is None:
        return None
    key, index = decoded
    try:
        head = json.loads(data[:newline])
    except ValueError:
        return None
    expected = cache_key(deck_stamp, overrides_of(index.id))
    if not isinstance(key, list) or len(key) != len(expected):
        return None
    if key[:2] != expected[:2] or key[3] != expected[3]:
        return None
    if head.get("digest") is None or head["digest"] != content_digest(raw):
        return None
    head["key"] = expected
    fresh = json.dumps(head, separators=(",", ":")).encode() + data[newline:]
    with contextlib.suppress(OSError):  # a read-only data folder only costs speed
        write(cache, fresh)
    again = decode(fresh)
    return None if again is None else again[1]


def write(cache: Path, data: bytes) -> None:
    """Replace the cache file atomically (a reader sees the old file or the new one)."""
    atomic_write(cache, data, private=False, durable=False)  # checked when read


def card_record(card: _CardData) -> CardRecord:
    """A validated card as plain data."""
    return CardRecord(*_CARD_VALUES(card))


def as_card_data(record: CardRecord) -> dict[str, Any]:
    """The record as the dict core.deck.Card validates (None fields left out, as in a file)."""
    return {k: v for k, v in record._asdict().items() if v is not None}
