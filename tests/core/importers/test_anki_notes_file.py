"""The Anki notes kept beside an imported deck (decks/anki/<deck>.json): written with the deck,
all or nothing, and a file that cannot be read is reported by name and never overwritten."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from anki.collection import Collection

from ankibuild import export_deck
from flashprep.core.decks.ankinotes import notes_path, read_notes
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.importers.apply import import_files
from flashprep.core.paths import Home
from flashprep.core.storage.userstore import UserStore

DATA = Path(__file__).parents[2] / "data" / "anki"


def test_an_anki_import_keeps_the_notes_behind_its_cards(home: Home) -> None:
    import_files([DATA / "small-modern.apkg"], DeckLibrary.unloaded(home), None)
    library = DeckLibrary.load(home)
    for deck_id in ("interview-behavioral", "interview-technical"):
        notes = read_notes(notes_path(home.decks, deck_id))
        deck = library.decks[deck_id].deck
        assert set(notes.cards) == {c.id for c in deck.cards}
        for card in deck.cards:
            origin = notes.cards[card.id]
            assert card.origin == f"anki:{origin.guid}#{origin.ord}"
            note = notes.notes[origin.guid]
            assert notes.notetypes[note.ntid].fields[: len(note.fields)]
            assert origin.deck == deck.name


def test_a_second_import_changes_nothing(home: Home) -> None:
    import_files([DATA / "small-modern.apkg"], DeckLibrary.unloaded(home), None)
    path = notes_path(home.decks, "interview-technical")
    stamp = path.stat().st_mtime_ns, path.read_bytes()
    import_files([DATA / "small-legacy.apkg"], DeckLibrary.unloaded(home), None)
    assert (path.stat().st_mtime_ns, path.read_bytes()) == stamp


@pytest.mark.parametrize(
    "damage",
    [
        b"",
        b"{",
        b"[]",
        b'{"format": 2}',
        b'{"format": 1, "cards": {"x": [1, 2]}}',
        b'{"format": 1, "notes": {"g": ["a", 1, [], 0]}}',
        b'{"format": 1, "notetypes": []}',
    ],
)
def test_a_damaged_notes_file_stops_the_import(home: Home, damage: bytes) -> None:
    path = notes_path(home.decks, "interview-technical")
    path.parent.mkdir(parents=True)
    path.write_bytes(damage)
    with pytest.raises(DataFileError) as caught:
        import_files([DATA / "small-modern.apkg"], DeckLibrary.unloaded(home), None)
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)
    assert path.read_bytes() == damage
    assert not (home.decks / "interview-technical.toml").exists()
    assert not (home.decks / "interview-behavioral.toml").exists()


def test_cards_go_back_to_the_deck_an_earlier_import_put_them_in(
    home: Home, store: UserStore
) -> None:
    """Imported with --deck once, the same package imported plainly updates that deck: its
    cards (and their reviews) are not imported a second time under the Anki deck names."""
    package = DATA / "small-modern.apkg"
    first = import_files([package], DeckLibrary.unloaded(home), store, deck="mine")
    assert [d.id for d in first.decks] == ["mine"]
    again = import_files([package], DeckLibrary.unloaded(home), store)
    assert [(d.id, d.created, d.added, d.unchanged) for d in again.decks] == [
        ("mine", False, 0, first.added)
    ]
    assert again.reviews_added == 0
    assert sorted(p.name for p in home.decks.glob("*.toml")) == ["mine.toml"]


def test_a_deck_renamed_in_anki_stays_one_deck(home: Home, tmp_path: Path) -> None:
    col = Collection(os.fspath(tmp_path / "c.anki2"))
    try:
        for front in ("One?", "Two?"):
            note = col.new_note(col.models.by_name("Basic"))  # type: ignore[arg-type]
            note["Front"], note["Back"] = front, "Yes."
            col.add_note(note, col.decks.id("Before"))  # type: ignore[arg-type]
        export_deck(col, "Before", tmp_path / "before.apkg")
        deck = col.decks.by_name("Before")
        assert deck is not None
        deck["name"] = "After"
        col.decks.save(deck)
        export_deck(col, "After", tmp_path / "after.apkg")
    finally:
        col.close()
    import_files([tmp_path / "before.apkg"], DeckLibrary.unloaded(home), None)
    summary = import_files([tmp_path / "after.apkg"], DeckLibrary.unloaded(home), None)
    assert [(d.id, d.created, d.unchanged) for d in summary.decks] == [("before", False, 2)]
    assert sorted(p.name for p in home.decks.glob("*.toml")) == ["before.toml"]
