"""Deck files: validation, errors that name the spot, and one bad deck never hiding the others."""

from __future__ import annotations

from pathlib import Path

import pytest

from flashprep.core.decks.deck import DeckError, load_deck, parse_deck, target_seconds
from flashprep.core.decks.library import (
    DeckLibrary,
    card_from_toml,
    card_to_toml,
    deck_to_toml,
)
from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.keys import card_key
from flashprep.core.paths import Home

GOOD = b"""id = "demo"
name = "Demo"
category = "technical"

[[cards]]
id = "one"
front = "Q1"
back = "A1"

[[cards]]
id = "two"
front = "Q2"
back = "A2"
level = "senior"
"""


def test_valid_deck_parses_with_defaults() -> None:
    deck = parse_deck(GOOD)
    assert [c.id for c in deck.cards] == ["one", "two"]
    assert deck.cards[0].tags == []
    assert deck.cards[1].level == "senior"
    assert target_seconds(deck.cards[0], deck.category) == 60


def test_error_names_file_line_card_and_field() -> None:
    raw = GOOD.replace(b'level = "senior"', b'level = "guru"')
    with pytest.raises(DeckError) as info:
        parse_deck(raw, "decks/demo.toml")
    message = str(info.value)
    assert message.startswith("decks/demo.toml: line 14: card 'two': field 'level'")


def test_unknown_key_is_refused() -> None:
    raw = GOOD.replace(b'back = "A1"', b'back = "A1"\nanswer = "typo"')
    with pytest.raises(DeckError, match=r"card 'one': field 'answer': Extra inputs"):
        parse_deck(raw)


def test_unknown_deck_key_is_refused() -> None:
    with pytest.raises(DeckError, match=r"field 'colour'"):
        parse_deck(b'colour = "red"\n' + GOOD)


def test_duplicate_card_ids_are_refused() -> None:
    raw = GOOD.replace(b'id = "two"', b'id = "one"')
    with pytest.raises(DeckError, match="duplicate card id 'one'"):
        parse_deck(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (GOOD.replace(b'name = "Demo"', b'name = "Demo'), "TOML syntax error"),
        (GOOD + b"\xff\xfe", "line 15: not valid UTF-8"),
        (GOOD.replace(b'front = "Q1"', b'front = "  "'), "field 'front': Value error, must not"),
        (GOOD.replace(b'"technical"', b'"cooking"'), "field 'category'"),
        (GOOD.replace(b'id = "demo"', b'id = "../etc"'), "field 'id'"),
        (GOOD.replace(b'id = "one"', b'id = "a/b"'), "line 6: card 'a/b': field 'id'"),
        (GOOD.replace(b'id = "one"', b"id = 5"), "line 6: card #1: field 'id'"),
    ],
)
def test_bad_decks_give_one_line_errors(raw: bytes, expected: str) -> None:
    with pytest.raises(DeckError) as info:
        parse_deck(raw, "x.toml")
    assert expected in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_file_is_a_deck_error(tmp_path: Path) -> None:
    with pytest.raises(DeckError, match="cannot read"):
        load_deck(tmp_path / "nope.toml")


def test_bad_deck_is_skipped_and_others_load(home: Home, decks_dir: Path) -> None:
    (decks_dir / "broken.toml").write_bytes(GOOD.replace(b'"technical"', b"42"))
    library = DeckLibrary.load(home, decks_dir)
    assert sorted(library.decks) == ["alpha", "beta"]
    assert len(library.errors) == 1
    assert "broken.toml" in str(library.errors[0])


def test_imported_deck_may_not_reuse_a_bundled_id(home: Home, decks_dir: Path) -> None:
    home.decks.mkdir(parents=True)
    (home.decks / "alpha.toml").write_bytes(GOOD.replace(b'"demo"', b'"alpha"'))
    library = DeckLibrary.load(home, decks_dir)
    assert library.decks["alpha"].source == "bundled"
    assert "already used" in str(library.errors[0])


def test_imported_decks_are_listed_as_imported(home: Home, decks_dir: Path) -> None:
    home.decks.mkdir(parents=True)
    (home.decks / "demo.toml").write_bytes(GOOD)
    library = DeckLibrary.load(home, decks_dir)
    assert library.decks["demo"].source == "imported"
    assert library.card("demo/two") is not None
    for loaded in library:
        keys = tuple(card_key(loaded.id, c) for c in loaded.card_ids)
        assert loaded.card_keys == keys and all(library.card(k) is not None for k in keys)


def test_edit_of_bundled_card_goes_to_overrides(home: Home, decks_dir: Path) -> None:
    library = DeckLibrary.load(home, decks_dir)
    before = (decks_dir / "alpha.toml").read_bytes()
    card = library.card("alpha/a1")
    assert card is not None
    library.save_card("alpha", card.model_copy(update={"front": "Fixed typo?"}))
    assert (decks_dir / "alpha.toml").read_bytes() == before
    assert (home.overrides / "alpha.toml").is_file()
    again = DeckLibrary.load(home, decks_dir)
    assert again.card("alpha/a1").front == "Fixed typo?"  # type: ignore[union-attr]
    assert again.decks["alpha"].edited == frozenset({"a1"})


def test_edit_of_imported_card_rewrites_its_deck(home: Home, decks_dir: Path) -> None:
    home.decks.mkdir(parents=True)
    (home.decks / "demo.toml").write_bytes(GOOD)
    library = DeckLibrary.load(home, decks_dir)
    card = library.card("demo/one")
    assert card is not None
    library.save_card("demo", card.model_copy(update={"back": "New answer"}))
    assert load_deck(home.decks / "demo.toml").cards[0].back == "New answer"


def test_card_round_trips_through_editor_text() -> None:
    deck = parse_deck(GOOD)
    card = deck.cards[1]
    assert card_from_toml(card_to_toml(card), "two") == card
    assert parse_deck(deck_to_toml(deck)) == deck


def test_editor_may_not_change_the_id() -> None:
    with pytest.raises(DataFileError, match="cannot change the card id"):
        card_from_toml('id = "other"\nfront = "q"\nback = "a"\n', "two")


def test_editor_errors_name_the_field() -> None:
    with pytest.raises(DataFileError, match="field 'target_seconds'"):
        card_from_toml('front = "q"\nback = "a"\ntarget_seconds = 1\n', "two")
