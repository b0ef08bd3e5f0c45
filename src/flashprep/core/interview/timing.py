"""Answer times against their targets: time per topic and how often answers ran over.

Every grade in the review log carries the time the answer took (`ms`); every card has a target
(its own `target_seconds`, else its deck category's). Statistics read these through here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.decks.rules import target_seconds
from flashprep.core.keys import deck_of
from flashprep.core.storage.reviewlog import LogEntry


def card_target(library: DeckLibrary, key: str) -> int | None:
    """The target answer time of a card, in seconds (None when the card is gone)."""
    card = library.card(key)
    loaded = library.get(deck_of(key))
    if card is None or loaded is None:
        return None
    return target_seconds(card, loaded.deck.category)


def is_over(ms: int, target_s: int) -> bool:
    """An answer runs over when it takes longer than its target."""
    return ms > target_s * 1000


@dataclass(frozen=True)
class TopicTimes:
    """Answer times of one topic (a deck): how many, how long on average, how many ran over."""

    topic: str
    answers: int
    mean_s: float
    target_s: float
    """The mean target of the answers counted."""
    over: int

    @property
    def over_share(self) -> float:
        return self.over / self.answers if self.answers else 0.0


def time_by_topic(
    library: DeckLibrary, entries: Iterable[LogEntry], modes: tuple[str, ...] = ("drill", "mock")
) -> list[TopicTimes]:
    """Times of the timed grades (ms > 0) in `modes`, per deck, in deck order.

    Imported reviews carry no time of ours and grades of removed cards have no target: both are
    left out.
    """
    totals: dict[str, list[int]] = {}
    for entry in entries:
        if not entry.is_grade or entry.ms <= 0 or entry.mode not in modes:
            continue
        target = card_target(library, entry.card)
        if target is None:
            continue
        row = totals.setdefault(entry.deck_id, [0, 0, 0, 0])
        row[0] += 1
        row[1] += entry.ms
        row[2] += target
        row[3] += is_over(entry.ms, target)
    return [
        TopicTimes(d, n, ms / n / 1000, t / n, over)
        for d in library.decks
        if d in totals
        for n, ms, t, over in [totals[d]]
    ]
