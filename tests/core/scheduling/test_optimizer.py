"""The FSRS-6 fit: the model is fsrs's own arithmetic, its gradient is right, a fit of simulated
learners moves towards their true parameters and predicts them better, too little history is
refused, and a cancelled fit stops."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime

import fsrs
import pytest

from fitlearner import simulate, varied
from flashprep.core.scheduling import memorymodel, optimizer
from flashprep.core.scheduling.fitmetrics import score
from flashprep.core.scheduling.fitting import (
    MIN_REVIEWS,
    NotEnoughHistory,
    fit_history,
    split_at,
)
from flashprep.core.scheduling.memorymodel import CardReviews, Prediction, predictions
from flashprep.core.scheduling.parameters import (
    DEFAULT_PARAMETERS,
    LOWER,
    UPPER,
    Parameters,
    clamped,
    parameters_problem,
)
from flashprep.core.scheduling.scheduler import NEW, Scheduler, SchedulerSettings

TRUTHS = [
    varied(DEFAULT_PARAMETERS, {0: 4.0, 1: 3.0, 2: 2.0, 3: 0.5, 20: 2.0}),
    varied(DEFAULT_PARAMETERS, {8: 0.75, 10: 1.3, 11: 0.6, 16: 1.5}),
    varied(DEFAULT_PARAMETERS, {0: 0.3, 1: 0.3, 2: 0.5, 9: 2.0, 20: 0.7}),
    varied(DEFAULT_PARAMETERS, {8: 1.2, 20: 2.5}),
    varied(DEFAULT_PARAMETERS, {8: 0.6, 10: 0.7, 20: 2.0}),
]
"""Learners unlike the average: longer or shorter first memories, faster or slower growth.
The last forgets faster than the defaults expect, so the app's reviews come late for it and a
fit shows even on its latest reviews (for the others, the defaults predict those well)."""


def random_parameters(rng: random.Random) -> Parameters:
    return tuple(rng.uniform(lo, hi) for lo, hi in zip(LOWER, UPPER, strict=True))


def random_card(rng: random.Random, grades: int) -> CardReviews:
    ms, at = [], 1_767_225_600_000
    for _ in range(grades):
        at += rng.choice((0, 60_000, 600_000, 86_400_000, 3 * 86_400_000, 20 * 86_400_000))
        at += rng.randrange(0, 40_000_000)
        ms.append(at)
    return CardReviews(tuple(ms), tuple(rng.choice((1, 2, 3, 4)) for _ in range(grades)))


def test_the_parameter_tables_are_fsrs_own() -> None:
    from fsrs import scheduler as fsrs_scheduler

    assert DEFAULT_PARAMETERS == fsrs_scheduler.DEFAULT_PARAMETERS
    assert LOWER == fsrs_scheduler.LOWER_BOUNDS_PARAMETERS
    assert UPPER == fsrs_scheduler.UPPER_BOUNDS_PARAMETERS


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ((0.2,) * 20, "must be 21 numbers (got 20)"),
        ((*DEFAULT_PARAMETERS[:4], 0.5, *DEFAULT_PARAMETERS[5:]), "parameter 4 must be between 1"),
        ((*DEFAULT_PARAMETERS[:20], math.nan), "parameter 20 must be between 0.1 and 0.8"),
        ((*DEFAULT_PARAMETERS[:20], math.inf), "parameter 20 must be between"),
        ((*DEFAULT_PARAMETERS[:7], -0.1, *DEFAULT_PARAMETERS[8:]), "parameter 7 must be"),
        ((*DEFAULT_PARAMETERS[:1], True, *DEFAULT_PARAMETERS[2:]), "parameter 1 must be a number"),
    ],
)
def test_a_parameter_set_outside_fsrs_bounds_is_refused(
    values: tuple[float, ...], problem: str
) -> None:
    found = parameters_problem(values)
    assert found is not None and found.startswith(problem)
    if len(values) == 21 and not any(isinstance(v, bool) for v in values):
        assert parameters_problem(clamped([0.0 if math.isnan(v) else v for v in values])) is None


@pytest.mark.parametrize("seed", range(6))
def test_the_model_follows_fsrs_grade_by_grade(seed: int) -> None:
    rng = random.Random(seed)
    w = DEFAULT_PARAMETERS if seed == 0 else random_parameters(rng)
    scheduler = fsrs.Scheduler(parameters=w, enable_fuzzing=False)
    for _ in range(20):
        card = random_card(rng, rng.randrange(1, 15))
        fcard = fsrs.Card(card_id=1)
        expected: list[float] = []
        for at, rating in zip(card.ms, card.ratings, strict=True):
            when = datetime.fromtimestamp(at / 1000, UTC)
            if fcard.last_review is not None and (when - fcard.last_review).days > 0:
                expected.append(scheduler.get_card_retrievability(fcard, when))
            fcard, _ = scheduler.review_card(fcard, fsrs.Rating(rating), when)
        states = list(memorymodel.memory_states(w, card))
        assert states[-1] == pytest.approx((fcard.stability, fcard.difficulty), rel=1e-12)
        got = [p.recall for p in predictions(w, [card])]
        assert got == pytest.approx(expected, rel=1e-12)


def _total_loss(w: Parameters, cards: list[CardReviews]) -> float:
    return optimizer.log_loss(w, cards, optimizer.MAX_GRADES) * len(
        predictions(w, cards, optimizer.MAX_GRADES)
    )


@pytest.mark.parametrize("seed", range(4))
def test_the_gradient_is_the_slope_of_the_loss(seed: int) -> None:
    rng = random.Random(seed)
    w = (
        DEFAULT_PARAMETERS
        if seed == 0
        else clamped([v * rng.uniform(0.6, 1.4) for v in DEFAULT_PARAMETERS])
    )
    cards = [random_card(rng, rng.randrange(2, 12)) for _ in range(25)]
    epoch = optimizer._Epoch(list(w), optimizer._Adam(1))
    for card in cards:
        epoch.card(memorymodel.elapsed_days(card.ms), card.ratings)
    assert 0 < epoch.in_batch < optimizer.BATCH  # one batch: the gradient is still whole
    for i in range(21):
        h = 1e-6 * max(1.0, abs(w[i]))
        up = [*w[:i], w[i] + h, *w[i + 1 :]]
        down = [*w[:i], w[i] - h, *w[i + 1 :]]
        slope = (_total_loss(tuple(up), cards) - _total_loss(tuple(down), cards)) / (2 * h)
        assert epoch.grad[i] == pytest.approx(slope, rel=1e-4, abs=1e-5), f"parameter {i}"


def _excess_loss(w: Parameters, truth: Parameters, cards: list[CardReviews]) -> float:
    """How much worse `w` predicts the learner than the truth does, in expected log loss (the
    mean KL divergence, grade by grade: 0 for the truth itself, no outcome noise)."""
    total = 0.0
    mine, true = predictions(w, cards), predictions(truth, cards)
    for q, p in zip((x.recall for x in mine), (x.recall for x in true), strict=True):
        total += p * math.log(p / q) + (1 - p) * math.log((1 - p) / (1 - q))
    return total / len(mine)


@pytest.mark.parametrize("truth", range(len(TRUTHS)))
def test_a_fit_recovers_the_learner_it_was_simulated_from(truth: int) -> None:
    true = TRUTHS[truth]
    history = simulate(true, cards=600, days=150, new_per_day=8, seed=truth)
    fresh = simulate(true, cards=600, days=150, new_per_day=8, seed=100 + truth)
    fitted = optimizer.fit(history)
    assert parameters_problem(fitted) is None
    # on another history of the same learner, the fit is much closer to the truth than the
    # defaults are
    assert _excess_loss(fitted, true, fresh) < 0.8 * _excess_loss(DEFAULT_PARAMETERS, true, fresh)


def test_a_learner_like_the_defaults_gives_parameters_near_them() -> None:
    history = simulate(DEFAULT_PARAMETERS, cards=600, days=150, new_per_day=8, seed=9)
    fitted = optimizer.fit(history)
    far = _excess_loss(TRUTHS[0], DEFAULT_PARAMETERS, history)
    assert _excess_loss(fitted, DEFAULT_PARAMETERS, history) < 0.5 * far


def test_fit_history_scores_out_of_sample_and_keeps_only_better() -> None:
    history = simulate(TRUTHS[-1], cards=600, days=150, new_per_day=8, seed=3)
    outcome = fit_history(history, DEFAULT_PARAMETERS)
    split = split_at(history)
    later = [p for p in predictions(DEFAULT_PARAMETERS, history) if p.ms >= split]
    assert outcome.before.reviews == outcome.after.reviews == len(later)
    assert outcome.before == score(later)
    assert outcome.better and outcome.after.log_loss < outcome.before.log_loss
    assert outcome.parameters != DEFAULT_PARAMETERS
    # parameters that already fit are kept when a new fit does no better
    again = fit_history(history, outcome.parameters)
    if not again.better:
        assert again.parameters == outcome.parameters


@pytest.mark.parametrize("cards", [0, 1, 30, 120])
def test_too_little_history_is_refused_saying_how_much_is_needed(cards: int) -> None:
    history = simulate(TRUTHS[1], cards=cards, days=60, new_per_day=2, seed=cards)
    have = optimizer.scored_count(history, None)
    assert have < MIN_REVIEWS
    with pytest.raises(NotEnoughHistory) as caught:
        fit_history(history, DEFAULT_PARAMETERS)
    assert caught.value.have == have
    assert f"{MIN_REVIEWS:,}" in str(caught.value) and f"has {have:,})" in str(caught.value)


def test_fewer_grades_than_a_batch_leave_the_start_unchanged() -> None:
    history = simulate(TRUTHS[0], cards=30, days=40, new_per_day=3, seed=1)
    assert optimizer.scored_count(history) < optimizer.BATCH
    start = clamped([v * 1.1 for v in DEFAULT_PARAMETERS])
    assert optimizer.fit(history, start) == start


@pytest.mark.parametrize("after", [0, 1, 5])
def test_a_cancelled_fit_stops(after: int) -> None:
    history = simulate(TRUTHS[0], cards=300, days=150, new_per_day=6, seed=2)
    asked = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) > after

    with pytest.raises(optimizer.FitCancelled):
        fit_history(history, DEFAULT_PARAMETERS, cancelled=cancelled)


def test_progress_rises_to_one() -> None:
    history = simulate(TRUTHS[0], cards=300, days=150, new_per_day=6, seed=2)
    seen: list[float] = []
    fit_history(history, DEFAULT_PARAMETERS, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0 and 0 < seen[0] < 1


def test_the_scheduler_uses_the_users_parameters() -> None:
    w = varied(DEFAULT_PARAMETERS, {2: 5.0, 20: 3.0})
    now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    mine = Scheduler(SchedulerSettings(fuzz=False, parameters=w))
    default = Scheduler(SchedulerSettings(fuzz=False))
    state = mine.review("d/c", NEW, 3, now)
    assert state.stability == pytest.approx(w[2])
    assert default.review("d/c", NEW, 3, now).stability == pytest.approx(DEFAULT_PARAMETERS[2])
    later = datetime(2026, 12, 20, 9, tzinfo=UTC)
    expected = memorymodel.recall(w, state.stability or 0, (later - now).days)
    assert mine.retrievability(state, later) == pytest.approx(expected)
    assert default.retrievability(state, later) != pytest.approx(expected)


def test_calibration_bins_hold_every_prediction() -> None:
    rng = random.Random(4)
    preds = [Prediction(r, rng.random() < r, 0) for r in (rng.random() for _ in range(2000))]
    fit = score(preds)
    assert sum(b.reviews for b in fit.bins) == fit.reviews == 2000
    for b in fit.bins:
        assert b.low <= b.predicted < b.high or b.predicted == b.high == 1.0
    assert fit.rmse_bins < 0.05  # outcomes drawn from the predictions: well calibrated
    biased = score([p._replace(recall=p.recall * 0.5) for p in preds])
    assert biased.rmse_bins > 0.15 and biased.log_loss > fit.log_loss
    assert math.isnan(score([]).log_loss)
