"""The bundled decks: valid, unique, complete, no near-duplicate questions across decks."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from flashprep.core.deck import Deck, load_deck
from flashprep.core.paths import bundled_decks_dir

DECKS = sorted(bundled_decks_dir().glob("*.toml"))
STOP = set(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "and",
        "or",
        "is",
        "what",
        "how",
        "why",
        "when",
        "do",
        "you",
        "your",
        "does",
        "it",
        "for",
        "on",
        "with",
        "be",
        "are",
        "would",
        "can",
        "that",
        "this",
    ]
)


def words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOP}


@pytest.fixture(scope="module")
def decks() -> list[Deck]:
    return [load_deck(path) for path in DECKS]


def test_every_bundled_deck_is_valid_and_named_after_its_id(decks: list[Deck]) -> None:
    assert [d.id for d in decks] == [p.stem for p in DECKS]


def test_size_and_mix(decks: list[Deck]) -> None:
    assert len(decks) >= 10
    assert sum(len(d.cards) for d in decks) >= 400
    assert sum(len(d.cards) for d in decks if d.category == "behavioral") >= 80
    for deck in decks:
        if deck.category in ("technical", "system-design"):
            assert len(deck.cards) >= 30, deck.id
        levels = {c.level for c in deck.cards}
        assert levels == {"junior", "mid", "senior"}, deck.id


def test_every_card_is_complete(decks: list[Deck]) -> None:
    placeholder = re.compile(r"\b(TODO|TBD|FIXME|lorem ipsum|XXX)\b", re.IGNORECASE)
    for deck in decks:
        for card in deck.cards:
            where = f"{deck.id}/{card.id}"
            assert len(card.back.strip()) >= 80, where
            assert len(card.front) <= 200, where
            assert card.tags and card.level and card.target_seconds, where
            assert not placeholder.search(card.back), where


def test_behavioral_answers_teach_how_to_answer(decks: list[Deck]) -> None:
    for deck in decks:
        if deck.category != "behavioral":
            continue
        for card in deck.cards:
            text = card.back.lower()
            assert "listen" in text, f"{deck.id}/{card.id}: what the interviewer listens for"
            assert "pitfall" in text, f"{deck.id}/{card.id}: pitfalls"


def test_no_duplicate_or_near_duplicate_questions(decks: list[Deck]) -> None:
    cards = [(f"{d.id}/{c.id}", words(c.front)) for d in decks for c in d.cards]
    for (a, wa), (b, wb) in itertools.combinations(cards, 2):
        overlap = len(wa & wb) / max(1, len(wa | wb))
        assert overlap < 0.75, f"{a} and {b} ask nearly the same question"


def test_decks_readme_lists_every_deck_with_its_count(decks: list[Deck]) -> None:
    readme = (Path(__file__).parent.parent / "decks" / "README.md").read_text()
    for deck in decks:
        row = next((line for line in readme.splitlines() if f"`{deck.id}`" in line), "")
        assert f"| {len(deck.cards)} |" in row, f"decks/README.md: row for {deck.id}"
