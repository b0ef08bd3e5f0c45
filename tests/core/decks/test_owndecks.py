"""Own decks and new cards: what is made, what is refused (with nothing written), the card ids,
the decks lock, a write that fails, and an own deck's way out (export) and back in (import)."""

from __future__ import annotations

import errno
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

import flashprep.core.decks.library as library_module
import flashprep.core.files.fileio as fileio
from flashprep.core.decks.deck import DeckError, load_deck
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.decks.owndecks import (
    CardInputError,
    add_card,
    new_card_id,
    new_deck,
    normalised_question,
)
from flashprep.core.exporters import export_deck
from flashprep.core.files.lock import LockedError
from flashprep.core.importers.apply import import_files
from flashprep.core.keys import CARD_ID_PATTERN
from flashprep.core.paths import Home

from helpers import held_elsewhere

IMPORTED = b"""id = "demo"
name = "Demo"
category = "technical"

[[cards]]
id = "one"
front = "Q1"
back = "A1"
"""


@pytest.fixture
def mine(library: DeckLibrary) -> DeckLibrary:
    new_deck(library, "mine", "My deck", "technical", "Mine.")
    return library


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` but the derived caches, with its bytes."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "cache" not in p.parts and not p.name.startswith(".lock")
    }


# --- new decks -----------------------------------------------------------------------------------


def test_a_new_deck_is_an_empty_own_deck_file_the_library_lists(
    home: Home, library: DeckLibrary, decks_dir: Path
) -> None:
    loaded = new_deck(library, "mine", "  My deck ", "behavioral", "What I was asked.\r\n")
    assert (loaded.id, loaded.name, loaded.category, loaded.source) == (
        "mine",
        "My deck",
        "behavioral",
        "own",
    )
    path = home.decks / "mine.toml"
    assert loaded.path == path and library.decks["mine"] is loaded
    deck = load_deck(path)
    assert (deck.source, deck.cards, deck.description) == ("own", [], "What I was asked.")
    again = DeckLibrary.load(home, decks_dir)
    assert again.decks["mine"].source == "own"


def test_the_index_says_own_so_a_warm_start_needs_no_parse(
    home: Home, library: DeckLibrary, decks_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    new_deck(library, "mine", "My deck", "technical")
    DeckLibrary.load(home, decks_dir)  # writes the index
    caches = list((home.cache / "decks").glob("*mine.toml.jsonl"))
    assert len(caches) == 1
    head = json.loads(caches[0].read_bytes().splitlines()[0])
    assert head["own"] is True

    def no_parse(*args: object) -> None:
        raise AssertionError("the deck file was parsed")

    monkeypatch.setattr(library_module, "_load_full", no_parse)
    assert DeckLibrary.load(home, decks_dir).decks["mine"].source == "own"


def test_an_index_of_the_previous_format_is_rebuilt(
    home: Home, library: DeckLibrary, decks_dir: Path
) -> None:
    new_deck(library, "mine", "My deck", "technical")
    DeckLibrary.load(home, decks_dir)
    (cache,) = (home.cache / "decks").glob("*mine.toml.jsonl")
    first, rest = cache.read_bytes().split(b"\n", 1)
    head = json.loads(first)
    head["key"][0] = 2
    del head["own"]
    cache.write_bytes(json.dumps(head).encode() + b"\n" + rest)  # what an older version wrote
    again = DeckLibrary.load(home, decks_dir)
    assert again.decks["mine"].source == "own"
    assert json.loads(cache.read_bytes().splitlines()[0])["own"] is True


@pytest.mark.parametrize(("marker", "source"), [(b"", "imported"), (b'source = "own"\n', "own")])
def test_a_data_folder_deck_is_own_only_with_the_marker(
    home: Home, decks_dir: Path, marker: bytes, source: str
) -> None:
    home.decks.mkdir(parents=True)
    (home.decks / "demo.toml").write_bytes(IMPORTED.replace(b"\n\n", b"\n" + marker + b"\n", 1))
    assert DeckLibrary.load(home, decks_dir).decks["demo"].source == source


def test_a_bundled_deck_with_the_marker_is_still_bundled(home: Home, decks_dir: Path) -> None:
    path = decks_dir / "alpha.toml"
    path.write_bytes(path.read_bytes().replace(b"\n\n", b'\nsource = "own"\n\n', 1))
    assert DeckLibrary.load(home, decks_dir).decks["alpha"].source == "bundled"


@pytest.mark.parametrize("value", ['"mine"', '"imported"', "true", '""'])
def test_a_marker_other_than_own_is_a_deck_error(home: Home, decks_dir: Path, value: str) -> None:
    home.decks.mkdir(parents=True)
    raw = IMPORTED.replace(b"\n\n", f"\nsource = {value}\n\n".encode(), 1)
    (home.decks / "demo.toml").write_bytes(raw)
    library = DeckLibrary.load(home, decks_dir)
    assert "demo" not in library.decks
    assert "field 'source'" in str(library.errors[0])


@pytest.mark.parametrize(
    ("deck_id", "field", "message"),
    [
        ("Mine", "id", "is not a deck id"),
        ("-mine", "id", "is not a deck id"),
        ("../mine", "id", "is not a deck id"),
        ("a/b", "id", "is not a deck id"),
        ("", "id", "is not a deck id"),
        ("m" * 81, "id", "is not a deck id"),
        ("mine\n", "id", "is not a deck id"),
        ("alpha", "id", "deck id 'alpha' is already used by the bundled deck 'Alpha questions'"),
        ("mine", "id", "deck id 'mine' is already used by "),
        ("demo", "id", "deck id 'demo' is already used by "),
        ("broken", "id", "deck id 'broken' is already used by "),
    ],
)
def test_a_deck_id_that_is_malformed_or_used_is_refused(
    home: Home, mine: DeckLibrary, deck_id: str, field: str, message: str
) -> None:
    (home.decks / "demo.toml").write_bytes(IMPORTED)
    (home.decks / "broken.toml").write_bytes(b"id = [")  # does not load, still the file's name
    mine.reload()
    before = snapshot(home.root)
    with pytest.raises(CardInputError) as info:
        new_deck(mine, deck_id, "Name", "technical")
    assert info.value.field == field
    assert message in str(info.value)
    assert "\n" not in str(info.value)
    assert snapshot(home.root) == before


@pytest.mark.parametrize(
    ("name", "category", "field"),
    [
        ("", "technical", "name"),
        ("   ", "technical", "name"),
        ("two\nlines", "technical", "name"),
        ("escape \x1b[31m", "technical", "name"),
        ("n" * 201, "technical", "name"),
        ("Name", "tech", "category"),
        ("Name", "", "category"),
        ("Name", "Technical", "category"),
    ],
)
def test_a_bad_name_or_category_is_refused_naming_it(
    home: Home, library: DeckLibrary, name: str, category: str, field: str
) -> None:
    with pytest.raises(CardInputError) as info:
        new_deck(library, "mine", name, category)
    assert info.value.field == field
    assert str(info.value).startswith(f"{field}: ")
    assert not (home.decks / "mine.toml").exists()
    assert "mine" not in library.decks


# --- card ids -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What is the CAP theorem?", "what-is-the-cap-theorem"),
        ("Qu'est-ce qu'une clé étrangère ?", "qu-est-ce-qu-une-cle"),
        ("Explain   `async`/`await` in Python 3.12!", "explain-async-await-in-python-3"),
        ("ÅNGSTRÖM, Æsir & naïve café", "angstrom-sir-naive-cafe"),
        ("a" * 60, "a" * 48),
        ("internationalization localization standardization", "internationalization-localization"),
        ("Describe a conflict with your manager and how you handled it", None),
    ],
)
def test_a_card_id_is_a_short_readable_slug_of_the_question(
    question: str, expected: str | None
) -> None:
    card_id = new_card_id(question, set())
    assert re.match(CARD_ID_PATTERN, card_id)
    assert len(card_id) <= 48 and len(card_id.split("-")) <= 6
    assert card_id == card_id.lower() and card_id.isascii()
    if expected is not None:
        assert card_id == expected
    else:
        assert card_id == "describe-a-conflict-with-your-manager"


@pytest.mark.parametrize("question", ["", "   ", "???", "日本語の質問", "😀 🎉", "—"])
def test_a_question_without_usable_characters_gets_a_numbered_id(question: str) -> None:
    assert new_card_id(question, set()) == "card-1"
    assert new_card_id(question, {"card-1", "card-2"}) == "card-3"


def test_a_taken_id_gets_a_number() -> None:
    taken = {"what-is-dns"}
    assert new_card_id("What is DNS?", taken) == "what-is-dns-2"
    taken |= {"what-is-dns-2", "what-is-dns-3"}
    assert new_card_id("what is dns", taken) == "what-is-dns-4"
    assert new_card_id("What is DNS?", {"What-is-dns"}) == "what-is-dns"  # ids are exact


# --- adding cards ---------------------------------------------------------------------------------


def test_a_card_is_added_with_every_field_and_found_by_its_key(
    home: Home, mine: DeckLibrary, decks_dir: Path
) -> None:
    key = add_card(
        mine,
        "mine",
        "What is a B-tree?\r\n",
        "\n- Balanced\r\n- Wide\n\n",
        tags=["db", "trees", "db"],
        level="senior",
        hint="  Disks  ",
        target_seconds=90,
    )
    assert key == "mine/what-is-a-b-tree"
    (card,) = load_deck(home.decks / "mine.toml").cards
    assert card.front == "What is a B-tree?"
    assert card.back == "- Balanced\n- Wide"
    assert (card.tags, card.level, card.hint, card.target_seconds) == (
        ["db", "trees"],
        "senior",
        "Disks",
        90,
    )
    assert mine.text(key) is not None and mine.text(key).level == "senior"  # type: ignore[union-attr]
    assert DeckLibrary.load(home, decks_dir).card(key) == card
    second = add_card(mine, "mine", "What is a B+tree?", "Leaves linked")
    assert second == "mine/what-is-a-b-tree-2"
    assert mine.decks["mine"].card_ids == ("what-is-a-b-tree", "what-is-a-b-tree-2")
    assert load_deck(home.decks / "mine.toml").source == "own"


def test_cards_go_to_imported_decks_too(home: Home, library: DeckLibrary) -> None:
    home.decks.mkdir(parents=True)
    (home.decks / "demo.toml").write_bytes(IMPORTED)
    library.reload()
    key = add_card(library, "demo", "Q2", "A2")
    assert key == "demo/q2"
    deck = load_deck(home.decks / "demo.toml")
    assert [c.id for c in deck.cards] == ["one", "q2"]
    assert deck.source is None and library.decks["demo"].source == "imported"


@pytest.mark.parametrize(
    "again",
    ["What is DNS?", "what is dns?", "  WHAT   is\tDNS? ", "What is\nDNS?", "WHAT IS DNS?\n\n"],
)
def test_a_question_already_in_the_deck_is_refused(
    home: Home, mine: DeckLibrary, again: str
) -> None:
    add_card(mine, "mine", "What is DNS?", "Names to addresses")
    before = (home.decks / "mine.toml").read_bytes()
    with pytest.raises(CardInputError, match="already has this question") as info:
        add_card(mine, "mine", again, "Other")
    assert info.value.field == "front"
    assert "'what-is-dns'" in str(info.value)
    assert (home.decks / "mine.toml").read_bytes() == before


def test_similar_but_different_questions_are_not_duplicates(mine: DeckLibrary) -> None:
    add_card(mine, "mine", "What is DNS?", "A")
    assert normalised_question("What is DNS?") != normalised_question("What is DNS")
    assert add_card(mine, "mine", "What is DNS", "B") == "mine/what-is-dns-2"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"front": ""}, "front"),
        ({"front": " \n\t "}, "front"),
        ({"back": ""}, "back"),
        ({"back": "\r\n"}, "back"),
        ({"front": "x" * 100_001}, "front"),
        ({"tags": ["two words"]}, "tags"),
        ({"tags": [""]}, "tags"),
        ({"tags": ["ok", "t" * 81]}, "tags"),
        ({"tags": ["bell\x07"]}, "tags"),
        ({"level": "guru"}, "level"),
        ({"level": "Senior"}, "level"),
        ({"target_seconds": 4}, "target_seconds"),
        ({"target_seconds": 3601}, "target_seconds"),
        ({"target_seconds": 0}, "target_seconds"),
        ({"target_seconds": True}, "target_seconds"),
    ],
)
def test_a_bad_field_is_refused_naming_it_and_nothing_is_written(
    home: Home, mine: DeckLibrary, changes: dict[str, object], field: str
) -> None:
    before = snapshot(home.root)
    values: dict[str, object] = {"front": "Q", "back": "A", **changes}
    with pytest.raises(CardInputError) as info:
        add_card(mine, "mine", **values)  # type: ignore[arg-type]
    assert info.value.field == field
    assert str(info.value) == f"{field}: {info.value.reason}" and "\n" not in str(info.value)
    assert snapshot(home.root) == before


@pytest.mark.parametrize("deck_id", ["alpha", "beta"])
def test_a_bundled_deck_takes_no_cards(home: Home, library: DeckLibrary, deck_id: str) -> None:
    with pytest.raises(CardInputError) as info:
        add_card(library, deck_id, "Q", "A")
    assert info.value.field == "deck"
    message = str(info.value)
    assert f"{deck_id!r}" in message and "bundled" in message and "flashprep deck new" in message
    assert not home.decks.exists() or snapshot(home.decks) == {}


@pytest.mark.parametrize("deck_id", ["nope", "", "MINE", "mine/x"])
def test_an_unknown_deck_is_refused(home: Home, mine: DeckLibrary, deck_id: str) -> None:
    before = snapshot(home.root)
    with pytest.raises(CardInputError, match="unknown deck") as info:
        add_card(mine, deck_id, "Q", "A")
    assert info.value.field == "deck" and "mine" in str(info.value)
    assert snapshot(home.root) == before


def test_a_card_is_added_to_the_file_as_it_is_now(
    home: Home, mine: DeckLibrary, decks_dir: Path
) -> None:
    """Another process added a card after this library was loaded: it is kept, and its question
    counts as taken."""
    other = DeckLibrary.load(home, decks_dir)
    add_card(other, "mine", "From elsewhere?", "Yes")
    with pytest.raises(CardInputError, match="already has this question"):
        add_card(mine, "mine", "from elsewhere?", "Again")
    add_card(mine, "mine", "Mine?", "Yes")
    ids = [c.id for c in load_deck(home.decks / "mine.toml").cards]
    assert ids == ["from-elsewhere", "mine"]
    assert mine.decks["mine"].card_ids == tuple(ids)


def test_a_deck_file_broken_meanwhile_is_reported_not_overwritten(
    home: Home, mine: DeckLibrary
) -> None:
    path = home.decks / "mine.toml"
    path.write_bytes(path.read_bytes().replace(b'"technical"', b'"tech"'))  # a hand edit
    before = path.read_bytes()
    with pytest.raises(DeckError, match=r"mine\.toml") as info:
        add_card(mine, "mine", "Q", "A")
    assert "field 'category'" in str(info.value)
    assert path.read_bytes() == before


# --- locks and faults ---------------------------------------------------------------------------


@pytest.fixture
def short_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(library_module, "DECKS_WAIT_SECONDS", 0.2)


@pytest.mark.usefixtures("short_wait")
def test_another_process_holding_the_decks_lock_is_named(home: Home, mine: DeckLibrary) -> None:
    before = snapshot(home.root)
    with held_elsewhere(home.decks, ".lock") as proc:
        with pytest.raises(LockedError, match=f"the shared decks is in use by pid {proc.pid}"):
            add_card(mine, "mine", "Q", "A")
        with pytest.raises(LockedError, match=f"pid {proc.pid}"):
            new_deck(mine, "other", "Other", "general")
    assert snapshot(home.root) == before
    assert add_card(mine, "mine", "Q", "A") == "mine/q"  # the holder is gone


def make_writes_fail(monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    """Deck writes fail: halfway through the bytes, at the fsync, or at the rename."""
    if how == "write":
        real = fileio._write_all

        def half(fd: int, data: bytes) -> None:
            real(fd, data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(fileio, "_write_all", half)
    elif how == "fsync":

        def fsync(fd: int) -> None:
            raise OSError(errno.EIO, "Input/output error")

        monkeypatch.setattr(fileio.os, "fsync", fsync)
    else:

        def replace(src: object, dst: object) -> None:
            raise OSError(errno.EXDEV, "Invalid cross-device link")

        monkeypatch.setattr(fileio.os, "replace", replace)


@pytest.mark.parametrize("how", ["write", "fsync", "replace"])
def test_a_write_that_fails_midway_leaves_the_deck_file_as_it_was(
    home: Home, mine: DeckLibrary, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    add_card(mine, "mine", "First?", "Kept")
    before = snapshot(home.root)
    with monkeypatch.context() as patch, pytest.raises(OSError) as info:
        make_writes_fail(patch, how)
        add_card(mine, "mine", "Second?", "Lost")
    assert info.value.filename == str(home.decks / "mine.toml")
    assert snapshot(home.root) == before
    assert not [p for p in home.decks.iterdir() if p.name.endswith(".tmp")]
    assert add_card(mine, "mine", "Second?", "Now") == "mine/second"


@pytest.mark.parametrize("how", ["write", "replace"])
def test_a_new_deck_whose_write_fails_is_not_made(
    home: Home, library: DeckLibrary, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    with monkeypatch.context() as patch, pytest.raises(OSError):
        make_writes_fail(patch, how)
        new_deck(library, "mine", "Mine", "general")
    assert sorted(p.name for p in home.decks.iterdir() if not p.name.startswith(".lock")) == []
    assert "mine" not in library.decks


# --- export and import ----------------------------------------------------------------------------


def test_an_own_deck_exports_with_its_marker_and_imports_elsewhere_as_imported(
    tmp_path: Path, home: Home, mine: DeckLibrary, decks_dir: Path
) -> None:
    add_card(mine, "mine", "What is a heap?", "A tree", tags=["ds"], level="mid")
    data = export_deck(mine.decks["mine"].deck, "toml", datetime.now(UTC))
    assert b'source = "own"' in data
    exported = tmp_path / "mine.toml"
    exported.write_bytes(data)
    elsewhere = Home(tmp_path / "elsewhere")
    other = DeckLibrary.unloaded(elsewhere, decks_dir)
    import_files([exported], other, None)
    other.reload()
    assert other.decks["mine"].source == "imported"
    assert other.decks["mine"].deck.cards == mine.decks["mine"].deck.cards


def test_importing_into_an_own_deck_keeps_it_own(
    tmp_path: Path, home: Home, mine: DeckLibrary
) -> None:
    add_card(mine, "mine", "Kept?", "Yes")
    more = tmp_path / "more.toml"
    more.write_bytes(IMPORTED)
    import_files([more], mine, None, deck="mine")
    mine.reload()
    assert mine.decks["mine"].source == "own"
    assert [c.id for c in load_deck(home.decks / "mine.toml").cards] == ["kept", "one"]
