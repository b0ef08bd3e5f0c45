"""The catalog keeps only its columns, built a part of each deck at a time: what it holds is what
the cards' whole records give (one_line_front, search_text, level, tags), for any part size, any
card text, and a deck whose index is damaged part-way; the cards' records are still read right
after the build let go of the index's pages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flashprep.core.browse import catalog as catalogs
from flashprep.core.browse.catalog import Catalog, one_line_front, search_text
from flashprep.core.decks import index as deckindex
from flashprep.core.decks.index import CardRecord
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.paths import Home

from fuzzing import budget

TEXT = st.lists(
    st.sampled_from([*"ab Z\n\t.é", "ß", "Å", "\x1b[31m", "\u0301", "ﬁ", "İ"]), max_size=12
).map("".join)
TAGS = st.lists(st.sampled_from(["x", "hash", "Star", "c++", "é"]), max_size=3, unique=True)


@st.composite
def decks(draw: st.DrawFn) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for d in range(draw(st.integers(1, 3))):
        cards = []
        for c in range(draw(st.integers(0, 7))):
            cards.append(
                {
                    "id": f"c{c}",
                    "front": "Q" + draw(TEXT),
                    "back": "A" + draw(TEXT),
                    "hint": draw(st.one_of(st.none(), TEXT.map("h".__add__))),
                    "tags": draw(TAGS),
                    "level": draw(st.sampled_from([None, "junior", "mid", "senior"])),
                }
            )
        out[f"deck{d}"] = cards
    return out


def write_decks(folder: Path, content: dict[str, list[dict[str, Any]]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for deck_id, cards in content.items():
        lines = [f'id = "{deck_id}"', f'name = "{deck_id}"', 'category = "technical"']
        for card in cards:
            lines += ["", "[[cards]]"]
            lines += [f"{k} = {json.dumps(v)}" for k, v in card.items() if v is not None]
        (folder / f"{deck_id}.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def columns_from_records(library: DeckLibrary) -> dict[str, list[Any]]:
    """The columns as the catalog made them before: from every card's whole record."""
    out: dict[str, list[Any]] = {k: [] for k in COLUMNS}
    for loaded in library:
        records = loaded.records()
        out["keys"] += [f"{loaded.id}/{r.id}" for r in records]
        out["decks"] += [loaded.id] * len(records)
        out["categories"] += [loaded.category] * len(records)
        out["levels"] += [r.level for r in records]
        out["tags"] += [tuple(r.tags) for r in records]
        out["fronts"] += [one_line_front(r.front) for r in records]
        out["texts"] += [search_text(r) for r in records]
    return out


COLUMNS = ("keys", "decks", "categories", "levels", "tags", "fronts", "texts")


def columns(catalog: Catalog) -> dict[str, list[Any]]:
    return {k: list(getattr(catalog, k)) for k in COLUMNS}


def assert_shared(catalog: Catalog) -> None:
    """Equal tag lists and levels are one object each."""
    for values in (catalog.tags, catalog.levels):
        first: dict[Any, Any] = {}
        for value in values:
            assert first.setdefault(value, value) is value


@pytest.mark.parametrize("part", [1, 2, 3, 1000])
@given(content=decks())
@budget(25)
def test_the_columns_are_the_whole_records_for_any_part_size(
    part: int, content: dict[str, list[dict[str, Any]]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("decks")
    write_decks(folder / "mine", content)
    library = DeckLibrary.load(Home(folder / "home"), folder / "mine")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(catalogs, "PART", part)
        catalog = Catalog.build(library)
    assert columns(catalog) == columns_from_records(library)
    assert len(catalog) == sum(len(cards) for cards in content.values())
    assert_shared(catalog)
    for i, key in enumerate(catalog.keys):  # the details pane reads the card after the build
        assert catalog.front(i) == one_line_front(library.text(key).front)  # type: ignore[union-attr]


MANY = {
    "alpha": [
        {"id": f"a{i}", "front": f"Q{i}\nline", "back": f"A{i} é", "tags": ["x"] if i % 2 else []}
        for i in range(9)
    ],
    "beta": [{"id": f"b{i}", "front": f"B{i}", "back": "Straße", "level": "mid"} for i in range(5)],
}


@pytest.mark.parametrize("damaged_card", [0, 4, 8])
@pytest.mark.parametrize("part", [1, 4, 1000])
def test_a_deck_whose_index_is_damaged_part_way_is_read_from_its_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damaged_card: int, part: int
) -> None:
    write_decks(tmp_path / "mine", MANY)
    home = Home(tmp_path / "home")
    expected = columns(Catalog.build(DeckLibrary.load(home, tmp_path / "mine")))
    cache = next((tmp_path / "home").rglob("*-alpha.toml.jsonl"))
    lines = cache.read_bytes().split(b"\n")
    broken = lines[1 + damaged_card]
    lines[1 + damaged_card] = b"{" + broken[1:-1] + b"}"  # the same length, no longer an array
    cache.write_bytes(b"\n".join(lines))
    library = DeckLibrary.load(home, tmp_path / "mine")
    monkeypatch.setattr(catalogs, "PART", part)
    catalog = Catalog.build(library)
    assert columns(catalog) == expected
    assert columns(catalog) == columns_from_records(library)


RECORDS = st.lists(
    st.builds(
        CardRecord,
        st.text("abc", min_size=1, max_size=3),
        TEXT,
        TEXT,
        TAGS,
        st.one_of(st.none(), TEXT),
        st.sampled_from([None, "mid"]),
        st.one_of(st.none(), st.integers(1, 600)),
        st.none(),
    ),
    max_size=9,
)


class _Deck:
    def __init__(self, cards: list[CardRecord]) -> None:
        self.id, self.name, self.category, self.description = "d", "D", "general", ""
        self.cards = cards


@given(cards=RECORDS, start=st.integers(0, 11), stop=st.one_of(st.none(), st.integers(0, 11)))
@budget(200)
def test_records_of_a_part_are_that_slice_of_every_record(
    cards: list[CardRecord], start: int, stop: int | None
) -> None:
    decoded = deckindex.decode(deckindex.encode(_Deck(cards), frozenset(), [1, 2], None))
    assert decoded is not None
    index = decoded[1]
    assert index.records() == cards
    assert index.records(start, stop) == cards[start:stop]


def test_released_pages_are_read_again(tmp_path: Path) -> None:
    write_decks(tmp_path / "mine", MANY)
    home = Home(tmp_path / "home")
    DeckLibrary.load(home, tmp_path / "mine")  # writes the index files
    library = DeckLibrary.load(home, tmp_path / "mine")  # reads them (memory maps)
    for loaded in library:
        before = loaded.index.records()
        loaded.index.release()
        assert loaded.index.records() == before
        assert [loaded.index.record(i) for i in range(len(before))] == before


NEEDLE_TEXTS = st.lists(st.text("abq1 \n", max_size=8), max_size=12)
TYPING = st.lists(
    st.one_of(
        st.sampled_from(["a", "b", "q", "1", " "]).map(lambda c: ("type", c)),
        st.just(("erase", "")),
    ),
    max_size=14,
)


@pytest.mark.parametrize("kept", [1, 2, 16])
@given(texts=NEEDLE_TEXTS, keys=TYPING, other=st.text("abq1", max_size=3))
@budget(150)
def test_the_cards_holding_a_needle_are_those_a_plain_scan_finds(
    kept: int, texts: list[str], keys: list[tuple[str, str]], other: str
) -> None:
    """Typed on, erased, or another word between: narrowing by a kept answer finds what
    looking in every card finds."""
    catalog = Catalog()
    catalog.texts = texts
    needle = ""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(catalogs, "KEPT_NEEDLES", kept)
        for action, char in keys:
            needle = needle + char if action == "type" else needle[:-1]
            for asked in (needle, other, needle):
                assert catalog.holding(asked) == bytes(asked in t for t in texts), asked
