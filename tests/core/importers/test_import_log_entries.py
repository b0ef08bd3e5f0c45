"""The import's log entries are made with each card's key worked out once (apply._log_entries):
the same entries as one key made per review, whatever the sources, decks and placements."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from flashprep.core.importers.apply import _log_entries
from flashprep.core.importers.source import ImportSource, SourceReview
from flashprep.core.keys import card_key
from flashprep.core.storage.reviewlog import LogEntry

Targets = dict[tuple[int, str], tuple[str, str | None]]
Placed = dict[tuple[int, str, str], str]


def one_key_per_review(
    sources: list[ImportSource], targets: Targets, placed: Placed
) -> list[LogEntry]:
    """The reference: what apply_sources made before the keys were kept per card."""
    return [
        LogEntry(
            r.entry_id,
            r.at,
            card_key(
                placed.get((index, r.deck_id, r.card_id)) or targets[index, r.deck_id][0],
                r.card_id,
            ),
            r.rating,
            r.action,
            r.ms,
            "import",
        )
        for index, source in enumerate(sources)
        for r in source.reviews
    ]


@pytest.mark.parametrize("seed", range(10))
def test_keys_kept_per_card_give_the_entries_one_key_per_review_gives(seed: int) -> None:
    """Two or three sources; decks sharing card ids; one deck id sent to other decks in
    different sources (renamed, --deck); some cards placed elsewhere (moved, bundled)."""
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
            targets[index, deck] = (rng.choice([deck, f"{deck}-imported", "mine"]), None)
            for card in cards:
                if rng.random() < 0.3:
                    placed[index, deck, card] = rng.choice(["moved", "bundled-deck"])
        for n in range(rng.randint(0, 60)):
            at += timedelta(seconds=rng.randint(0, 90_000))
            action = rng.choice(["grade", "grade", "forget", "suspend"])
            rating = rng.randint(1, 4) if action == "grade" else None
            source.reviews.append(
                SourceReview(
                    f"anki-{index}-{n}",
                    rng.choice(decks),
                    rng.choice(cards),
                    at,
                    action,
                    rating,
                    rng.choice([0, 1, 25_000]),
                )
            )
        sources.append(source)
    made = _log_entries(sources, targets, placed)
    assert made == one_key_per_review(sources, targets, placed)
    assert all(type(entry) is LogEntry for entry in made)
