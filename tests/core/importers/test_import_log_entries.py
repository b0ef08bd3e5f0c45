"""The import's log entries (apply._log_entries): a reader makes each review as the entry it
becomes, under the deck the file proposes, and only the entries of cards that go to another
deck are made again; the same entries as one key worked out per review, whatever the sources,
decks and placements."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from flashprep.core.importers.apply import _log_entries
from flashprep.core.importers.source import ImportSource, source_review
from flashprep.core.keys import card_key, split_key
from flashprep.core.storage.reviewlog import LogEntry

Targets = dict[tuple[int, str], tuple[str, str | None]]
Placed = dict[tuple[int, str, str], str]


def one_key_per_review(
    sources: list[ImportSource], targets: Targets, placed: Placed
) -> list[LogEntry]:
    """The reference: each review's key worked out from its deck and card, one by one."""
    out = []
    for index, source in enumerate(sources):
        for r in source.reviews:
            deck_id, card_id = split_key(r.card)
            target = placed.get((index, deck_id, card_id)) or targets[index, deck_id][0]
            out.append(r._replace(card=card_key(target, card_id)))
    return out


def some_sources(seed: int, moving: float) -> tuple[list[ImportSource], Targets, Placed]:
    """Two or three sources; decks sharing card ids; a share `moving` of the decks sent to
    other decks (renamed, --deck) and of the cards placed elsewhere (moved, bundled)."""
    rng = random.Random(seed)
    decks = ["anki-a", "anki-b", "shared"]
    cards = ["c1", "c2", "c3", "same"]
    sources: list[ImportSource] = []
    targets: Targets = {}
    placed: Placed = {}
    at = datetime(2024, 1, 1, tzinfo=UTC)
    for index in range(rng.randint(2, 3)):
        source = ImportSource(Path(f"file-{index}.apkg"), "Anki package")
        for deck in decks:
            moved = rng.random() < moving
            targets[index, deck] = (
                rng.choice([f"{deck}-imported", "mine"]) if moved else deck,
                None,
            )
            for card in cards:
                if rng.random() < moving / 3:
                    placed[index, deck, card] = rng.choice(["moved", "bundled-deck", deck])
        for n in range(rng.randint(0, 60)):
            at += timedelta(seconds=rng.randint(0, 90_000))
            action = rng.choice(["grade", "grade", "forget", "suspend"])
            rating = rng.randint(1, 4) if action == "grade" else None
            deck, card = rng.choice(decks), rng.choice(cards)
            ms = rng.choice([0, 1, 25_000])
            source.reviews.append(
                source_review(f"anki-{index}-{n}", deck, card, at, action, rating, ms)
            )
        sources.append(source)
    return sources, targets, placed


@pytest.mark.parametrize("moving", [0.0, 0.3, 1.0])
@pytest.mark.parametrize("seed", range(8))
def test_entries_moved_per_card_are_the_entries_one_key_per_review_gives(
    seed: int, moving: float
) -> None:
    sources, targets, placed = some_sources(seed, moving)
    made = _log_entries(sources, targets, placed)
    assert made == one_key_per_review(sources, targets, placed)
    assert all(type(entry) is LogEntry and entry.mode == "import" for entry in made)


def test_entries_of_cards_that_stay_are_the_readers_own() -> None:
    """No copy of a long history when every card stays in the deck the file proposes."""
    sources, targets, placed = some_sources(3, 0.0)
    made = _log_entries(sources, targets, placed)
    assert len(made) > 0
    readers = [entry for source in sources for entry in source.reviews]
    assert all(a is b for a, b in zip(made, readers, strict=True))
