"""Exports: CSV in Anki's text format and .apkg come back as the same cards, and Anki reads both."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from anki.collection import (
    Collection,
    ImportAnkiPackageOptions,
    ImportAnkiPackageRequest,
    ImportCsvRequest,
)

from flashprep.core.decks.cardhtml import markdown_to_html
from flashprep.core.decks.deck import Card, Deck, load_deck
from flashprep.core.exporters import export_deck
from flashprep.core.importers import read_source
from flashprep.core.paths import bundled_decks_dir

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
DECK = Deck(
    id="mine",
    name="Interview::Mine",
    category="technical",
    cards=[
        Card(
            id="gil",
            front="What is the **GIL**?",
            back="- One lock\n- `threading` vs `multiprocessing`\n\n```python\nimport os\n```",
            tags=["python", "concurrency"],
            hint="Think *threads*.",
            level="senior",
        ),
        Card(id="plain", front="A, with a comma", back='Says "quoted"\nand breaks'),
    ],
)


def same(before: str | None, after: str | None) -> bool:
    """Cards are compared as they render: Markdown that renders the same is the same card."""
    if before is None or after is None:
        return before == after
    return before.strip() == after.strip() or markdown_to_html(before) == markdown_to_html(after)


def written(tmp_path: Path, deck: Deck, fmt: str) -> Path:
    path = tmp_path / f"{deck.id}.{fmt}"
    path.write_bytes(export_deck(deck, fmt, NOW))
    return path


@pytest.mark.parametrize("fmt", ["csv", "apkg"])
def test_export_then_import_gives_the_same_cards(tmp_path: Path, fmt: str) -> None:
    source = read_source(written(tmp_path, DECK, fmt))
    (deck,) = source.decks
    assert (deck.id, deck.name) == ("mine", "Interview::Mine")
    assert [c.id for c in deck.cards] == ["gil", "plain"]
    for before, after in zip(DECK.cards, deck.cards, strict=True):
        assert same(before.front, after.front)
        assert same(before.back, after.back)
        assert same(before.hint, after.hint)
        assert after.tags == before.tags


def test_toml_export_is_the_deck_file(tmp_path: Path) -> None:
    path = written(tmp_path, DECK, "toml")
    assert load_deck(path) == DECK


@pytest.mark.parametrize("fmt", ["csv", "apkg"])
@pytest.mark.parametrize("deck_id", ["algorithms", "python", "behavioral-core"])
def test_bundled_cards_survive_a_round_trip(tmp_path: Path, fmt: str, deck_id: str) -> None:
    """Tables, code blocks, nested lists and STAR outlines: the decks with the most Markdown."""
    deck = load_deck(bundled_decks_dir() / f"{deck_id}.toml")
    back = {c.id: c for d in read_source(written(tmp_path, deck, fmt)).decks for c in d.cards}
    assert set(back) == {c.id for c in deck.cards}
    for card in deck.cards:
        again = back[card.id]
        assert same(card.front, again.front), card.id
        assert same(card.back, again.back), card.id
        assert same(card.hint, again.hint), card.id
        assert again.tags == card.tags


@pytest.fixture
def collection(tmp_path: Path) -> Iterator[Collection]:
    (tmp_path / "anki").mkdir()
    col = Collection(os.fspath(tmp_path / "anki" / "collection.anki2"))
    yield col
    col.close()


def test_anki_opens_the_package(tmp_path: Path, collection: Collection) -> None:
    package = written(tmp_path, DECK, "apkg")
    request = ImportAnkiPackageRequest(
        package_path=os.fspath(package), options=ImportAnkiPackageOptions(with_scheduling=True)
    )
    log = collection.import_anki_package(request).log
    assert len(log.new) == 2
    notes = [collection.get_note(nid) for nid in collection.find_notes("")]
    by_guid = {n.guid: n for n in notes}
    assert set(by_guid) == {"flashprep:mine/gil", "flashprep:mine/plain"}
    gil = by_guid["flashprep:mine/gil"]
    assert gil["Front"] == "What is the <strong>GIL</strong>?"
    assert "<li>One lock</li>" in gil["Back"]
    assert gil["Hint"] == "Think <em>threads</em>."
    assert sorted(gil.tags) == ["concurrency", "python"]
    assert collection.decks.name(gil.cards()[0].did) == "Interview::Mine"
    assert collection.card_count() == 2
    again = collection.import_anki_package(request).log
    assert len(again.new) == 0 and collection.note_count() == 2


def test_anki_imports_the_csv_unchanged(tmp_path: Path, collection: Collection) -> None:
    path = written(tmp_path, DECK, "csv")
    metadata = collection.get_csv_metadata(os.fspath(path), None)
    log = collection.import_csv(ImportCsvRequest(path=os.fspath(path), metadata=metadata)).log
    assert len(log.new) == 2
    notes = {n.guid: n for n in (collection.get_note(i) for i in collection.find_notes(""))}
    gil = notes["flashprep:mine/gil"]
    assert gil.note_type()["name"] == "Basic"  # type: ignore[index]
    assert gil["Front"] == "What is the <strong>GIL</strong>?"
    assert notes["flashprep:mine/plain"]["Back"] == "Says &quot;quoted&quot;\nand breaks"
    assert notes["flashprep:mine/plain"]["Front"] == "A, with a comma"
    assert sorted(gil.tags) == ["concurrency", "python"]
    assert collection.decks.name(gil.cards()[0].did) == "Interview::Mine"
