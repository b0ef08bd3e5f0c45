"""A deck index's header: its card places (`starts`) and `tags` are decoded when first used
(decks/index.decode), and give exactly what decoding the whole header gives; a header whose
middle is not as `encode` writes it is not used (the deck is read from its TOML again)."""

from __future__ import annotations

import json
import mmap
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flashprep.core.decks import index as deckindex
from flashprep.core.decks.index import CardRecord
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.paths import Home

TRICKY = ',"starts":[0],"tags":{"own":[0]},"own":true,"digest":null}'
"""Text that looks like the header's own keys, in a description, a tag and a card."""


@dataclass
class Deck:
    id: str = "tricky"
    name: str = "Tricky"
    category: str = "general"
    description: str = TRICKY
    cards: list[CardRecord] = field(default_factory=list)
    source: str = "own"


def card(i: int, tags: list[str]) -> CardRecord:
    return CardRecord(f"c{i}", f"Q{i}? {TRICKY}", f"A {i} é", tags, None, None, None, None)


def encoded(cards: list[CardRecord], **deck: str) -> bytes:
    return deckindex.encode(Deck(cards=cards, **deck), frozenset(), [1, 2], None, "ab" * 16)


def whole_header(data: bytes) -> dict[str, object]:
    header: dict[str, object] = json.loads(data[: data.index(b"\n")])
    return header


TAG_SETS = [
    [],
    [["own"], [], ["x", "own"], ["starts", 'a"b', "é"]],
    [["tags"]] * 3,
    [[TRICKY, "own"], ["own"]],
]


@pytest.mark.parametrize("tag_lists", TAG_SETS)
def test_the_places_and_tags_read_later_are_the_whole_headers(tag_lists: list[list[str]]) -> None:
    cards = [card(i, tags) for i, tags in enumerate(tag_lists)]
    data = encoded(cards)
    decoded = deckindex.decode(data)
    assert decoded is not None
    key, index = decoded
    head = whole_header(data)
    first = data.index(b"\n") + 1
    assert key == head["key"]
    places = head["starts"]
    assert isinstance(places, list)
    assert index.starts == tuple(first + s for s in places)
    assert index.tags == head["tags"]
    assert (index.description, index.own) == (TRICKY, True)
    assert index.card_ids == tuple(c.id for c in cards)
    assert [index.record(i) for i in range(len(cards))] == cards
    assert index.records() == cards


def test_a_header_not_as_written_is_not_used() -> None:
    data = encoded([card(i, ["t"]) for i in range(3)])
    head = whole_header(data)
    body = data[data.index(b"\n") :]

    def with_header(**changes: object) -> bytes:
        return json.dumps(head | changes, separators=(",", ":")).encode() + body

    assert deckindex.decode(with_header()) is not None  # the same header, written again
    starts = head["starts"]
    assert isinstance(starts, list)
    for damaged in (
        with_header(starts=starts[:-1]),  # a card without its place
        with_header(starts=[1, *starts[1:]]),  # the first line not right after the header
        with_header(starts=[*starts[:-1], len(data)]),  # past the end
        with_header(starts=[*starts[:-1], -5]),
        with_header(starts=[*starts[:-1], 2.5]),
        with_header(tags=["t"]),  # not a table of tags
        with_header(own="yes"),
        json.dumps(dict(sorted(head.items())), separators=(",", ":")).encode() + body,
        b"{" + data[1 : data.index(b"\n")].replace(b',"tags":', b',"tags" :') + body,
    ):
        assert deckindex.decode(damaged) is None
    places = json.dumps(starts, separators=(",", ":")).encode()  # "[0,n,m]"
    first, rest = places[1:].split(b",", 1)
    assert first == b"0"
    for text in (
        b"00," + rest,
        b"0,0" + rest,
        b"0,," + rest,
        b"0," + rest[:-1] + b",]",
        b"0,x" + rest,
    ):
        assert deckindex.decode(data.replace(places, b"[" + text, 1)) is None, text


def test_tags_damaged_inside_are_read_from_the_cards() -> None:
    """Tags are checked where used (LoadedDeck.tagged): a damaged table reads as not valid."""
    data = encoded([card(i, ["t"]) for i in range(3)])
    damaged = data.replace(b'"tags":{"t":[0,1,2]}', b'"tags":{"t":[0,1,}')
    assert damaged != data
    decoded = deckindex.decode(damaged)
    assert decoded is not None
    assert not deckindex.valid_tag_positions(decoded[1].tags, 3)
    assert decoded[1].record(2) == card(2, ["t"])


TEXTS = st.text(st.characters(codec="utf-8"), max_size=40) | st.sampled_from(
    ['"', "\\", '","', '\\",\\"', "\n\t\u2028\x7f", TRICKY, "é 字 🙂"]
)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(TEXTS, TEXTS, st.lists(TEXTS, max_size=2)), min_size=1, max_size=6))
def test_a_cards_front_alone_is_its_whole_records(cards: list[tuple[str, str, list[str]]]) -> None:
    """`front` decodes only the start of a card's line: whatever the texts hold (quotes,
    escapes, controls, text like the line's own separators), the id and front of the record."""
    records = [
        CardRecord(f"c{i}", front, back, tags, back or None, None, None, None)
        for i, (front, back, tags) in enumerate(cards)
    ]
    decoded = deckindex.decode(encoded(records))
    assert decoded is not None
    index = decoded[1]
    for position, record in enumerate(records):
        assert index.front(position) == (record.id, record.front) == index.record(position)[:2]


@pytest.mark.parametrize(
    "damage", [b'{"c0","x"}', b'["c0"]', b'["c0" ,"x"]', b'["c0","x', b"[1,2]", b"\xff\xfe"]
)
def test_a_damaged_start_of_line_is_refused(damage: bytes) -> None:
    data = encoded([card(0, []), card(1, [])])
    last = data.rindex(b"\n", 0, len(data) - 1) + 1  # the second card's line, the last
    decoded = deckindex.decode(data[:last] + damage + b"\n")
    assert decoded is not None
    with pytest.raises(ValueError):
        decoded[1].front(1)
    assert decoded[1].front(0) == ("c0", card(0, []).front)


def test_the_librarys_fronts_are_its_records_even_from_a_damaged_cache(
    home: Home, library: DeckLibrary, decks_dir: Path
) -> None:
    keys = library.card_keys()
    records = [library.text(k) for k in keys]
    assert keys and [library.front(k) for k in keys] == [r.front for r in records if r]
    assert library.front("nodeck/x") is None and library.front(f"{keys[0]}-not-a-card") is None
    caches = sorted((home.cache / "decks").glob("*.jsonl"))
    assert caches
    for cache in caches:  # every card line's id out of step, and the first line cut short
        lines = cache.read_bytes().split(b"\n")
        lines[1] = b'["' + lines[1][2:4]
        cards = [line.replace(b'["', b'["x', 1) for line in lines[1:]]
        cache.write_bytes(b"\n".join(lines[:1] + cards))
    again = DeckLibrary.load(home, decks_dir)
    fronts = [again.card(k).front for k in keys]  # type: ignore[union-attr]
    assert [again.front(k) for k in keys] == fronts


def test_a_mapped_index_read_whole_still_gives_each_card(
    home: Home, library: DeckLibrary, decks_dir: Path
) -> None:
    """Reading every record lets the map's pages go (`DeckIndex.release`): a card read after it
    comes back from the file, the same."""
    mapped = DeckLibrary.load(home, decks_dir)  # the second load reads the cached indexes
    for loaded in mapped:
        assert isinstance(loaded.index.data, mmap.mmap)
        records = loaded.records()
        assert records == library.decks[loaded.id].records()
        for position, record in enumerate(records):
            assert loaded.index.record(position) == record
            assert loaded.index.front(position) == (record.id, record.front)


@pytest.mark.parametrize(
    "tags",
    [
        {},
        {"t": []},
        {"t": [0, 1, 2]},
        {"t": [2], "u": [0, 0]},
        {"t": [3]},
        {"t": [-1]},
        {"t": [0, True]},
        {"t": [0.0]},
        {"t": ["0"]},
        {"t": [0, None]},
        {"t": [[0]]},
        {"t": 0},
        {"t": (0, 1)},
        [0, 1],
        None,
    ],
)
def test_tag_places_are_valid_as_each_place_checked_alone(tags: object) -> None:
    def alone(tags: object, cards: int) -> bool:
        return isinstance(tags, dict) and all(
            isinstance(places, list) and all(type(p) is int and 0 <= p < cards for p in places)
            for places in tags.values()
        )

    for cards in (0, 1, 3):
        assert deckindex.valid_tag_positions(tags, cards) == alone(tags, cards)
