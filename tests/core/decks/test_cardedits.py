"""Bulk content changes: tags, level, delete; one write per deck file; bundled cards through the
overrides file; refusals that write nothing; the review log left alone."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

import flashprep.core.decks.library as library_module
from flashprep.core.decks.cardedits import (
    add_tag,
    all_tags,
    delete_cards,
    remove_tag,
    set_level,
)
from flashprep.core.decks.deck import load_deck
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.decks.owndecks import CardInputError, add_card, new_deck
from flashprep.core.files.lock import LockedError
from flashprep.core.paths import Home
from flashprep.core.storage.userstore import UserStore

from helpers import held_elsewhere

IMPORTED = b"""id = "demo"
name = "Demo"
category = "technical"

[[cards]]
id = "one"
front = "Q1"
back = "A1"
tags = ["shared"]

[[cards]]
id = "two"
front = "Q2"
back = "A2"
level = "mid"
"""


@pytest.fixture
def lib(home: Home, library: DeckLibrary) -> DeckLibrary:
    """The bundled test decks, an imported deck `demo` and an own deck `mine` with two cards."""
    home.decks.mkdir(parents=True)
    (home.decks / "demo.toml").write_bytes(IMPORTED)
    library.reload()
    new_deck(library, "mine", "Mine", "general")
    add_card(library, "mine", "First?", "1", tags=["shared"])
    add_card(library, "mine", "Second?", "2", level="senior")
    return library


@pytest.fixture
def writes(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How many times each deck or overrides file is written."""
    counts: Counter[str] = Counter()
    real = library_module.atomic_write

    def counting(path: Path, data: bytes, *args: object, **kwargs: object) -> None:
        counts[path.name] += 1
        real(path, data, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(library_module, "atomic_write", counting)
    return counts


def files(home: Home) -> dict[str, bytes]:
    return {
        str(p.relative_to(home.root)): p.read_bytes()
        for p in sorted(home.root.rglob("*"))
        if p.is_file() and "cache" not in p.parts and not p.name.startswith(".lock")
    }


ALL = ["alpha/a1", "alpha/a2", "demo/one", "demo/two", "mine/first", "mine/second"]


def test_a_tag_is_added_with_one_write_per_deck_file(
    home: Home, lib: DeckLibrary, decks_dir: Path, writes: Counter[str]
) -> None:
    bundled = (decks_dir / "alpha.toml").read_bytes()
    changed = add_tag(lib, [*ALL, "alpha/a1"], "review-me")
    assert changed == ALL
    assert writes == Counter({"alpha.toml": 1, "demo.toml": 1, "mine.toml": 1})
    assert (decks_dir / "alpha.toml").read_bytes() == bundled  # bundled: through overrides
    again = DeckLibrary.load(home, decks_dir)
    for key in ALL:
        assert again.card(key).tags[-1] == "review-me"  # type: ignore[union-attr]
    assert again.card("alpha/a2").tags == ["algorithms", "sorting", "review-me"]  # type: ignore[union-attr]
    assert again.decks["alpha"].edited == {"a1", "a2"}
    assert again.card("alpha/a3").tags == ["networking"]  # type: ignore[union-attr]


def test_only_cards_that_change_are_written_and_returned(
    lib: DeckLibrary, writes: Counter[str]
) -> None:
    assert add_tag(lib, ["demo/one", "mine/first", "mine/second"], "shared") == ["mine/second"]
    assert writes == Counter({"mine.toml": 1})
    assert add_tag(lib, ["demo/one", "mine/second"], "shared") == []
    assert writes == Counter({"mine.toml": 1})
    assert remove_tag(lib, ["demo/two", "alpha/a1"], "shared") == []
    assert writes == Counter({"mine.toml": 1})


def test_a_tag_is_removed(home: Home, lib: DeckLibrary, decks_dir: Path) -> None:
    assert remove_tag(lib, ALL, "shared") == ["demo/one", "mine/first"]
    assert remove_tag(lib, ["alpha/a1"], "math") == ["alpha/a1"]
    again = DeckLibrary.load(home, decks_dir)
    assert all("shared" not in again.card(k).tags for k in ALL)  # type: ignore[union-attr]
    assert again.card("alpha/a1").tags == []  # type: ignore[union-attr]
    assert "math" not in all_tags(again)


@pytest.mark.parametrize("level", ["junior", "mid", "senior", None])
def test_the_level_is_set_or_cleared(
    home: Home, lib: DeckLibrary, decks_dir: Path, level: str | None
) -> None:
    before = {k: lib.card(k).level for k in ALL}  # type: ignore[union-attr]
    changed = set_level(lib, ALL, level)
    assert changed == [k for k in ALL if before[k] != level]
    again = DeckLibrary.load(home, decks_dir)
    assert {again.card(k).level for k in ALL} == {level}  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda lib: add_tag(lib, ["mine/first"], "two words"), "tags"),
        (lambda lib: add_tag(lib, ["mine/first"], ""), "tags"),
        (lambda lib: add_tag(lib, ["mine/first"], "esc\x1b"), "tags"),
        (lambda lib: remove_tag(lib, ["mine/first"], "t" * 81), "tags"),
        (lambda lib: set_level(lib, ["mine/first"], "expert"), "level"),
        (lambda lib: set_level(lib, ["mine/first"], ""), "level"),
        (lambda lib: add_tag(lib, ["mine/first", "mine/nope"], "x"), "key"),
        (lambda lib: set_level(lib, ["nope/first"], "mid"), "key"),
        (lambda lib: delete_cards(lib, ["mine/first", "mine/gone"]), "key"),
        (lambda lib: delete_cards(lib, ["mine/first", "alpha/a1"]), "deck"),
        (lambda lib: delete_cards(lib, ["demo/one", "beta/b2"]), "deck"),
    ],
)
def test_bad_input_is_refused_before_anything_is_written(
    home: Home, lib: DeckLibrary, call: Callable[[DeckLibrary], object], field: str
) -> None:
    before = files(home)
    with pytest.raises(CardInputError) as info:
        call(lib)
    assert info.value.field == field and "\n" not in str(info.value)
    assert files(home) == before


def test_deleting_a_bundled_card_names_the_deck(home: Home, lib: DeckLibrary) -> None:
    with pytest.raises(CardInputError, match=r"'beta' .*bundled deck") as info:
        delete_cards(lib, ["beta/b1"])
    assert "suspend" in str(info.value)


def test_cards_are_deleted_from_own_and_imported_decks(
    home: Home, lib: DeckLibrary, decks_dir: Path, writes: Counter[str]
) -> None:
    removed = delete_cards(lib, ["mine/first", "demo/two", "demo/one", "mine/first"])
    assert removed == ["mine/first", "demo/one", "demo/two"]
    assert writes == Counter({"mine.toml": 1, "demo.toml": 1})
    assert [c.id for c in load_deck(home.decks / "mine.toml").cards] == ["second"]
    assert load_deck(home.decks / "demo.toml").cards == []
    assert load_deck(home.decks / "mine.toml").source == "own"
    for library in (lib, DeckLibrary.load(home, decks_dir)):
        assert library.card("mine/first") is None and library.text("demo/one") is None
        assert library.card_keys(["mine", "demo"]) == ["mine/second"]


def test_a_card_deleted_meanwhile_by_another_process_is_left_out(
    home: Home, lib: DeckLibrary, decks_dir: Path
) -> None:
    other = DeckLibrary.load(home, decks_dir)
    assert delete_cards(other, ["mine/first"]) == ["mine/first"]
    assert delete_cards(lib, ["mine/first", "mine/second"]) == ["mine/second"]
    assert load_deck(home.decks / "mine.toml").cards == []


def test_deleting_keeps_the_review_log(
    home: Home, lib: DeckLibrary, decks_dir: Path, make_store: Callable[..., UserStore]
) -> None:
    store = make_store()
    store.grade("mine/first", 3)
    store.grade("mine/second", 1)
    log = {p.name: p.read_bytes() for p in store.log_dir.iterdir()}
    delete_cards(lib, ["mine/first"])
    assert {p.name: p.read_bytes() for p in store.log_dir.iterdir()} == log
    reopened = make_store()  # the deleted card's history is still read back from the log
    assert reopened.state("mine/first").reps == reopened.state("mine/second").reps == 1
    assert reopened.state("mine/second").lapses == 0


@pytest.mark.usefixtures("lib")
def test_another_process_holding_the_decks_lock_is_named(
    home: Home, lib: DeckLibrary, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(library_module, "DECKS_WAIT_SECONDS", 0.2)
    before = files(home)
    with held_elsewhere(home.decks, ".lock") as proc:
        for call in (
            lambda: add_tag(lib, ["alpha/a1"], "x"),
            lambda: set_level(lib, ["mine/first"], "mid"),
            lambda: delete_cards(lib, ["demo/one"]),
        ):
            with pytest.raises(LockedError, match=f"pid {proc.pid}"):
                call()
    assert files(home) == before


def test_all_tags_are_sorted_and_unique_with_edits_and_own_cards(
    home: Home, lib: DeckLibrary, decks_dir: Path
) -> None:
    expected = {"math", "algorithms", "sorting", "networking", "conflict", "motivation", "shared"}
    assert all_tags(lib) == sorted(expected)
    add_tag(lib, ["alpha/a3", "mine/second"], "Zeta")
    add_card(lib, "mine", "Third?", "3", tags=["älter", "shared"])
    tags = all_tags(DeckLibrary.load(home, decks_dir))
    assert tags == sorted(expected | {"Zeta", "älter"})
    assert len(tags) == len(set(tags))


def test_no_keys_change_nothing(home: Home, lib: DeckLibrary, writes: Counter[str]) -> None:
    before = files(home)
    assert add_tag(lib, [], "x") == remove_tag(lib, [], "x") == []
    assert set_level(lib, [], "mid") == delete_cards(lib, []) == []
    assert writes == Counter() and files(home) == before


def test_a_deleted_cards_id_is_never_given_to_a_new_card(lib: DeckLibrary) -> None:
    """The log keeps a deleted card's history under its key: a new card with the same question
    (so the same slug) gets another id, also after the deck is reloaded from disk."""
    key = add_card(lib, "mine", "What is a B-tree?", "A balanced tree.")
    assert delete_cards(lib, [key]) == [key]
    again = add_card(lib, "mine", "What is a B-tree?", "A balanced search tree.")
    assert again != key
    assert load_deck(lib.decks["mine"].path).retired == [key.split("/")[1]]
    lib.reload()
    assert delete_cards(lib, [again]) == [again]
    newest = add_card(lib, "mine", "What is a B-tree?", "Balanced.")
    assert newest not in (key, again)
    assert load_deck(lib.decks["mine"].path).retired == [k.split("/")[1] for k in (key, again)]
