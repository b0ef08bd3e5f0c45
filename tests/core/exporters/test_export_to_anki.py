"""An export Anki takes back as the same notes: cards from Anki go back as their notes, and cards
made in flashprep keep one guid and one id across exports."""

from __future__ import annotations

import os
import shutil
import sqlite3
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

from ankibuild import Sample, build_sample
from flashprep.core.decks.ankinotes import notes_path, read_notes
from flashprep.core.decks.deck import Card, Deck
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.exporters import export_deck
from flashprep.core.importers.apply import import_files
from flashprep.core.paths import Home

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Sample, dict[str, Path]]:
    return build_sample(tmp_path_factory.mktemp("anki"))


def original(built: tuple[Sample, dict[str, Path]], tmp_path: Path) -> Collection:
    """A copy of the collection the sample packages were exported from."""
    folder = built[1]["anki21b"].parent
    shutil.copy(folder / "sample.anki2", tmp_path / "original.anki2")
    return Collection(os.fspath(tmp_path / "original.anki2"))


def imported(package: Path, tmp_path: Path) -> tuple[Home, DeckLibrary]:
    home = Home(tmp_path / "home")
    import_files([package], DeckLibrary.unloaded(home), None)
    return home, DeckLibrary.load(home)


def exported(home: Home, library: DeckLibrary, deck_id: str, out: Path) -> list[str]:
    warnings: list[str] = []
    anki = read_notes(notes_path(home.decks, deck_id))
    out.write_bytes(export_deck(library.decks[deck_id].deck, "apkg", NOW, anki, None, warnings))
    return warnings


def into(col: Collection, package: Path) -> tuple[int, int, int]:
    """Import into Anki: (notes added, notes updated, notes left as they are)."""
    request = ImportAnkiPackageRequest(
        package_path=os.fspath(package), options=ImportAnkiPackageOptions(with_scheduling=True)
    )
    log = col.import_anki_package(request).log
    assert not log.conflicting and not log.missing_notetype
    return len(log.new), len(log.updated), len(log.duplicate)


def fields_by_guid(col: Collection) -> dict[str, list[str]]:
    return {n.guid: list(n.fields) for n in (col.get_note(i) for i in col.find_notes(""))}


@pytest.mark.parametrize("layout", ["anki21b", "anki21", "anki2"])
def test_anki_takes_an_export_back_as_the_same_notes(
    built: tuple[Sample, dict[str, Path]], tmp_path: Path, layout: str
) -> None:
    home, library = imported(built[1][layout], tmp_path)
    col = original(built, tmp_path)
    try:
        before = fields_by_guid(col)
        notetypes = len(col.models.all_names_and_ids())
        decks = len(col.decks.all_names_and_ids())
        for deck_id in library.decks:
            if library.decks[deck_id].source == "bundled":
                continue
            package = tmp_path / f"{deck_id}.apkg"
            assert exported(home, library, deck_id, package) == []
            added, updated, _same = into(col, package)
            assert (added, updated) == (0, 0), deck_id
        assert col.note_count() == built[0].notes
        assert fields_by_guid(col) == before  # not even the media or the HTML changed
        assert len(col.models.all_names_and_ids()) == notetypes
        assert len(col.decks.all_names_and_ids()) == decks
    finally:
        col.close()


@pytest.mark.parametrize(
    ("name", "field", "new_back", "html"),
    [
        ("basic-star", "Back", "Use **STAR**, always.", "Use <strong>STAR</strong>, always."),
        ("reversed-gil", "Back", "One thread at a time.", "One thread at a time."),
        ("unicode-ja", "Back", "二分で。", "二分で。"),
    ],
)
def test_an_edit_in_flashprep_updates_the_anki_note(
    built: tuple[Sample, dict[str, Path]],
    tmp_path: Path,
    name: str,
    field: str,
    new_back: str,
    html: str,
) -> None:
    sample, paths = built
    home, library = imported(paths["anki21b"], tmp_path)
    guid = sample.guids[name]
    deck_id, card = next(
        (d.id, c) for d in library for c in d.deck.cards if c.origin == f"anki:{guid}#0"
    )
    library.save_card(deck_id, card.model_copy(update={"back": new_back}))
    col = original(built, tmp_path)
    try:
        package = tmp_path / "edited.apkg"
        assert exported(home, library, deck_id, package) == []
        added, updated, _ = into(col, package)
        assert (added, updated) == (0, 1)
        (note,) = [n for n in map(col.get_note, col.find_notes("")) if n.guid == guid]
        assert note[field] == html
        assert col.note_count() == sample.notes
    finally:
        col.close()


def test_an_edit_a_note_type_cannot_take_is_named(
    built: tuple[Sample, dict[str, Path]], tmp_path: Path
) -> None:
    """A cloze card's text is drawn from the note's whole text: an edit of it in flashprep
    cannot be put back into one field, so the note goes back as it was, with a warning."""
    sample, paths = built
    home, library = imported(paths["anki21b"], tmp_path)
    guid = sample.guids["cloze-cap"]
    deck = library.decks["interview-technical"]
    card = next(c for c in deck.deck.cards if c.origin == f"anki:{guid}#1")
    library.save_card(deck.id, card.model_copy(update={"back": "changed"}))
    (warning,) = exported(home, library, deck.id, tmp_path / "cloze.apkg")
    assert card.id in warning and "'Cloze'" in warning
    col = original(built, tmp_path)
    try:
        before = fields_by_guid(col)
        into(col, tmp_path / "cloze.apkg")
        assert col.note_count() == sample.notes
        assert fields_by_guid(col) == before
    finally:
        col.close()


DECK = Deck(
    id="mine",
    name="Interview::Mine",
    category="technical",
    cards=[
        Card(id="gil", front="What is the GIL?", back="A lock."),
        Card(id="acid", front="ACID?", back="Atomicity, consistency, isolation, durability."),
    ],
)


def notes_of(package: bytes, tmp_path: Path) -> list[tuple[int, str, int]]:
    path = tmp_path / "package.apkg"
    path.write_bytes(package)
    with zipfile.ZipFile(path) as archive:
        (tmp_path / "c.anki2").write_bytes(archive.read("collection.anki2"))
    conn = sqlite3.connect(tmp_path / "c.anki2")
    try:
        rows = conn.execute(
            "SELECT n.id, n.guid, c.id FROM notes n JOIN cards c ON c.nid = n.id ORDER BY n.guid"
        ).fetchall()
    finally:
        conn.close()
    return [(int(a), str(b), int(c)) for a, b, c in rows]


@pytest.mark.parametrize("later", [timedelta(seconds=1), timedelta(days=40)])
def test_own_cards_keep_their_guid_and_ids_across_exports(tmp_path: Path, later: timedelta) -> None:
    first = notes_of(export_deck(DECK, "apkg", NOW), tmp_path)
    again = notes_of(export_deck(DECK, "apkg", NOW + later), tmp_path)
    assert first == again
    assert [guid for _, guid, _ in first] == ["flashprep:mine/acid", "flashprep:mine/gil"]
    other = DECK.model_copy(update={"id": "theirs"})
    assert {n for n, _, _ in notes_of(export_deck(other, "apkg", NOW), tmp_path)}.isdisjoint(
        {n for n, _, _ in first}
    )


def test_only_the_edited_side_is_rendered_again(
    built: tuple[Sample, dict[str, Path]], tmp_path: Path
) -> None:
    """The front keeps Anki's own HTML (its picture) when only the back was edited here."""
    sample, paths = built
    home, library = imported(paths["anki21b"], tmp_path)
    guid = sample.guids["media-diagram"]
    deck = library.decks["interview-technical"]
    card = next(c for c in deck.deck.cards if c.origin == f"anki:{guid}#0")
    library.save_card(deck.id, card.model_copy(update={"back": "A load balancer, then the app."}))
    assert exported(home, library, deck.id, tmp_path / "media.apkg") == []
    col = original(built, tmp_path)
    try:
        front_before = fields_by_guid(col)[guid][0]
        assert into(col, tmp_path / "media.apkg")[:2] == (0, 1)
        front, back = fields_by_guid(col)[guid]
        assert front == front_before and '<img src="diagram.png">' in front
        assert back == "A load balancer, then the app."
    finally:
        col.close()


def test_a_hint_edit_has_no_field_to_go_to(
    built: tuple[Sample, dict[str, Path]], tmp_path: Path
) -> None:
    sample, paths = built
    home, library = imported(paths["anki21b"], tmp_path)
    guid = sample.guids["basic-star"]
    deck = library.decks["interview-behavioral"]
    card = next(c for c in deck.deck.cards if c.origin == f"anki:{guid}#0")
    library.save_card(deck.id, card.model_copy(update={"hint": "Think of last year."}))
    (warning,) = exported(home, library, deck.id, tmp_path / "hint.apkg")
    assert card.id in warning and "hint" in warning
