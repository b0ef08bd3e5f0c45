"""The forecast's correction: one log-odds shift fitted on (predicted recall, recalled?) pairs.

It must find a shift the grades were drawn with, stay near 0 with few grades, find none when
the model is right, and give the same shift from parts counted in any order.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

import pytest

from flashprep.core.scheduling.recallshift import BINS, ShiftSums, shifted
from flashprep.core.scheduling.scheduler import NEW, Rating, Scheduler


def drawn(shift: float, n: int, seed: int, low: float = 0.3, high: float = 0.99) -> ShiftSums:
    """`n` grades whose model predicted a recall in [low, high] and whose true recall is that
    prediction moved by `shift`."""
    rng = random.Random(seed)
    sums = ShiftSums()
    for _ in range(n):
        predicted = rng.uniform(low, high)
        sums.add(predicted, rng.random() < shifted(predicted, shift))
    return sums


@pytest.mark.parametrize("true_shift", [-1.2, -0.4, 0.5, 1.0, 1.8])
@pytest.mark.parametrize("seed", [1, 2])
def test_a_known_shift_is_recovered_from_grades_drawn_with_it(true_shift: float, seed: int) -> None:
    sums = drawn(true_shift, 20_000, seed)
    assert sums.fit() == pytest.approx(true_shift, abs=0.1)


@pytest.mark.parametrize("low, high", [(0.3, 0.99), (0.7, 0.97), (0.05, 0.6)])
def test_no_shift_when_the_model_is_right(low: float, high: float) -> None:
    sums = drawn(0.0, 20_000, 3, low, high)
    assert abs(sums.fit()) < 0.08


def test_with_few_grades_the_shift_stays_near_none() -> None:
    assert ShiftSums().fit() == 0.0
    for seed in range(5):
        assert abs(drawn(1.5, 1, seed).fit()) < 0.5  # one grade says little
        few = drawn(1.5, 5, seed)
        assert abs(few.fit()) < abs(few.fit(prior_sd=100.0))  # pulled towards 0
    assert drawn(1.5, 2000, 4).fit() == pytest.approx(1.5, abs=0.2)  # many: the data decide
    # every grade recalled: without the prior the shift would run off to infinity
    sure = ShiftSums()
    for _ in range(10):
        sure.add(0.8, True)
    assert 0 < sure.fit() < 2 and math.isfinite(sure.fit())


def test_parts_in_any_order_give_the_same_shift() -> None:
    rng = random.Random(5)
    pairs = [(rng.uniform(0.01, 0.999), rng.random() < 0.8) for _ in range(3000)]
    whole = ShiftSums()
    for p, y in pairs:
        whole.add(p, y)
    parts = [ShiftSums() for _ in range(4)]
    for index, (p, y) in enumerate(pairs):
        parts[index % 4].add(p, y)
    merged = ShiftSums()
    for part in reversed(parts):
        merged.merge(part)
    assert merged.to_list() == whole.to_list() and merged.fit() == whole.fit()
    again = ShiftSums.from_list(whole.to_list())
    assert again.fit() == whole.fit() and again.count == 3000


@pytest.mark.parametrize(
    "junk",
    [None, [], [[0, 0]] * (BINS - 1), [[1, 2]] * BINS, [[-1, 0]] * BINS, [[0.5, 0]] * BINS],
)
def test_saved_sums_that_are_not_sums_are_refused(junk: object) -> None:
    with pytest.raises(ValueError):
        ShiftSums.from_list(junk)


@pytest.mark.parametrize("shift", [-2.0, -0.3, 0.0, 0.7, 3.0])
def test_a_shift_moves_recall_in_its_direction_and_keeps_certainties(shift: float) -> None:
    assert shifted(0.0, shift) == 0.0 and shifted(1.0, shift) == 1.0
    values = [0.01, 0.2, 0.5, 0.9, 0.999]
    moved = [shifted(r, shift) for r in values]
    assert moved == sorted(moved) and all(0 < m < 1 for m in moved)
    for r, m in zip(values, moved, strict=True):
        assert (m - r) * shift >= 0
        assert shifted(m, -shift) == pytest.approx(r)


@pytest.mark.parametrize("rating", [Rating.AGAIN, Rating.HARD, Rating.GOOD, Rating.EASY])
def test_recall_at_counts_the_time_to_the_second(rating: Rating) -> None:
    scheduler = Scheduler()
    at = datetime(2027, 3, 1, 18, tzinfo=UTC)
    state = scheduler.review("d/c", NEW, rating, at)
    assert scheduler.recall_at(NEW, at) == 0.0
    for days in (1, 3, 20):  # on whole days: FSRS's own retrievability
        later = at + timedelta(days=days)
        assert scheduler.recall_at(state, later) == pytest.approx(
            scheduler.retrievability(state, later)
        )
    hours = [at + timedelta(hours=h) for h in (0, 6, 18, 23)]
    within = [scheduler.recall_at(state, h) for h in hours]
    assert within[0] == 1.0 and within == sorted(within, reverse=True) and within[-1] < 1.0
    assert all(scheduler.retrievability(state, h) == 1.0 for h in hours)  # whole days: 1
