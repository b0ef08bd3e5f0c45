"""A simulated learner whose memory follows FSRS-6 with known parameters: histories to fit on.

Each day the learner reviews the cards the app schedules (FSRS with its default parameters, a
retention of 0.9, a little fuzz and lateness) and some new ones. Whether a card is recalled is
drawn from the learner's TRUE recall probability (FSRS-6 under `truth`), so a fit of the
history should move from the defaults towards `truth`. New and lapsed cards get a same-day
learning step, as the app's steps give. Seeded: the same arguments give the same history.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime

from flashprep.core.scheduling.memorymodel import (
    DAY_MS,
    CardReviews,
    clamp_difficulty,
    initial_difficulty,
    next_difficulty,
    next_stability,
    recall,
)
from flashprep.core.scheduling.parameters import DEFAULT_PARAMETERS, Parameters
from flashprep.core.storage.reviewlog import LogEntry

START_MS = 1_767_225_600_000
"""2026-01-01 00:00 UTC."""


class _Memory:
    """A card's (stability, difficulty) under one parameter set."""

    def __init__(self, w: Parameters) -> None:
        self.w = w
        self.s = 0.0
        self.d = 0.0
        self.started = False

    def grade(self, rating: int, days: int) -> None:
        w = self.w
        if not self.started:
            self.s = max(w[rating - 1], 0.001)
            self.d = clamp_difficulty(initial_difficulty(w, rating))
            self.started = True
            return
        self.s = next_stability(w, self.s, self.d, rating, days)
        self.d = next_difficulty(w, self.d, rating)


def simulate(
    truth: Parameters,
    cards: int = 200,
    days: int = 120,
    new_per_day: int = 10,
    seed: int = 0,
) -> list[CardReviews]:
    """The histories of `cards` cards over `days` days, for a learner remembering by `truth`."""
    rng = random.Random(seed)
    first = (0.15, 0.1, 0.6, 0.15)  # Again, Hard, Good, Easy on a card's first showing
    grades: list[list[tuple[int, int]]] = [[] for _ in range(cards)]
    true_mem: list[_Memory] = [_Memory(truth) for _ in range(cards)]
    app_mem: list[_Memory] = [_Memory(DEFAULT_PARAMETERS) for _ in range(cards)]
    due: list[int] = [0] * cards
    introduced = 0

    def instant(day: int, minute: int) -> int:
        return START_MS + day * DAY_MS + (9 * 60 + minute) * 60_000

    def elapsed(card: int, day: int, minute: int) -> int:
        """Whole 24-hour periods since the card's last grade, as FSRS counts them."""
        return (instant(day, minute) - grades[card][-1][0]) // DAY_MS if grades[card] else 0

    def grade(card: int, day: int, minute: int, rating: int) -> None:
        days = elapsed(card, day, minute)
        true_mem[card].grade(rating, days)
        app_mem[card].grade(rating, days)
        grades[card].append((instant(day, minute), rating))

    def schedule(card: int, day: int) -> None:
        interval = max(1, round(app_mem[card].s * rng.uniform(0.9, 1.1)))
        late = rng.choice((0, 0, 0, 1, 2))
        due[card] = day + interval + late

    for day in range(days):
        minute = 0
        todays = [c for c in range(introduced) if due[c] <= day]
        for card in todays:
            p = recall(truth, true_mem[card].s, elapsed(card, day, minute))
            if rng.random() < p:
                rating = rng.choices((2, 3, 4), (0.1, 0.8, 0.1))[0]
                grade(card, day, minute, rating)
            else:
                grade(card, day, minute, 1)
                minute += 10
                grade(card, day, minute, 3)  # the relearning step, the same day
            minute += 1
            schedule(card, day)
        for card in range(introduced, min(cards, introduced + new_per_day)):
            rating = rng.choices((1, 2, 3, 4), first)[0]
            grade(card, day, minute, rating)
            if rating < 4:
                minute += 10
                grade(card, day, minute, 3)  # a learning step
            minute += 1
            schedule(card, day)
        introduced = min(cards, introduced + new_per_day)
    return [CardReviews(tuple(t for t, _ in g), tuple(r for _, r in g)) for g in grades if g]


def varied(base: Sequence[float], scale: dict[int, float]) -> Parameters:
    """`base` with some parameters multiplied (a learner unlike the average)."""
    return tuple(v * scale.get(i, 1.0) for i, v in enumerate(base))


def log_entries(cards: Sequence[CardReviews], deck: str = "sim") -> list[LogEntry]:
    """The histories as entries of flashprep's review log (imported grades), in time order."""
    rows = sorted(
        (at, index, rating)
        for index, card in enumerate(cards)
        for at, rating in zip(card.ms, card.ratings, strict=True)
    )
    return [
        LogEntry(
            f"{deck}-{n:07d}",
            datetime.fromtimestamp(at / 1000, UTC),
            f"{deck}/c{index:05d}",
            rating,
            "grade",
            0,
            "import",
        )
        for n, (at, index, rating) in enumerate(rows)
    ]
