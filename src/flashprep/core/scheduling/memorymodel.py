"""FSRS-6's memory model as plain arithmetic: what recall it predicted at each grade of a history.

fsrs's Scheduler changes a card's stability and difficulty with each grade; its learning steps and
states only decide when the card is due, not what it remembers. So the model of a card's memory
is a function of its grades and of the whole days between them, worked out here without building
an fsrs Card per review: a user's 100,000 grades are scored in well under a second (the fit, the
before/after comparison and the calibration all need it). The formulas are fsrs 6.3.2's
(`Scheduler.review_card` and the methods it calls); tests hold the two equal, grade by grade.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from itertools import pairwise
from typing import NamedTuple

from flashprep.core.scheduling.parameters import Parameters

DAY_MS = 86_400_000
S_MIN = 0.001
"""The least stability fsrs allows (STABILITY_MIN)."""
D_MIN, D_MAX = 1.0, 10.0


class CardReviews(NamedTuple):
    """One card's grades since it was last new (a `forget` starts a new one), oldest first.

    `ms` are the instants in milliseconds since the epoch, never decreasing (a grade logged
    before the one it follows counts as at that one, as the scheduler takes it)."""

    ms: tuple[int, ...]
    ratings: tuple[int, ...]


class Prediction(NamedTuple):
    """The recall the model predicted at one scored grade, and whether it was recalled."""

    recall: float
    passed: bool
    ms: int


def elapsed_days(ms: Sequence[int]) -> list[int]:
    """The whole 24-hour periods since the grade before (0 for the first), as fsrs counts."""
    return [0, *((b - a) // DAY_MS for a, b in pairwise(ms))]


def scored(days: int, index: int) -> bool:
    """Whether a grade tests the model: not a card's first, and a day or more after the last
    (same-day grades are learning steps: the model predicts recall 1 for them)."""
    return index > 0 and days > 0


def initial_difficulty(w: Parameters, rating: int) -> float:
    return w[4] - math.exp(w[5] * (rating - 1)) + 1


def clamp_difficulty(d: float) -> float:
    return min(max(d, D_MIN), D_MAX)


def next_difficulty(w: Parameters, d: float, rating: int) -> float:
    delta = -w[6] * (rating - 3)
    damped = d + (10.0 - d) * delta / 9.0
    return clamp_difficulty(w[7] * initial_difficulty(w, 4) + (1 - w[7]) * damped)


def recall(w: Parameters, stability: float, days: int) -> float:
    """Predicted recall `days` whole days after a review that left `stability`."""
    decay = -w[20]
    factor = 0.9 ** (1 / decay) - 1
    return float((1 + factor * max(0, days) / stability) ** decay)


def next_stability(w: Parameters, s: float, d: float, rating: int, days: int) -> float:
    """The stability after a grade `days` after the last review (fsrs's three cases)."""
    if days < 1:
        grow = math.exp(w[17] * (rating - 3 + w[18])) * s ** -w[19]
        if rating > 1:
            grow = max(grow, 1.0)
        return max(float(s * grow), S_MIN)
    r = recall(w, s, days)
    if rating == 1:
        long_term = w[11] * d ** -w[12] * ((s + 1) ** w[13] - 1) * math.exp((1 - r) * w[14])
        short_term = s / math.exp(w[17] * w[18])
        new = short_term if short_term < long_term else long_term
    else:
        hard = w[15] if rating == 2 else 1.0
        easy = w[16] if rating == 4 else 1.0
        growth = math.exp(w[8]) * (11 - d) * s ** -w[9] * (math.exp((1 - r) * w[10]) - 1)
        new = s * (1 + growth * hard * easy)
    return max(float(new), S_MIN)


def memory_states(w: Parameters, card: CardReviews) -> Iterator[tuple[float, float]]:
    """(stability, difficulty) after each grade of the card."""
    days = elapsed_days(card.ms)
    s = d = 0.0
    for index, rating in enumerate(card.ratings):
        if index == 0:
            s = max(w[rating - 1], S_MIN)
            d = clamp_difficulty(initial_difficulty(w, rating))
        else:
            s = next_stability(w, s, d, rating, days[index])
            d = next_difficulty(w, d, rating)
        yield s, d


def predictions(
    w: Parameters, cards: Iterable[CardReviews], limit: int | None = None
) -> list[Prediction]:
    """The model's prediction at every scored grade of `cards` (only each card's first `limit`
    grades when given: the reference optimizer fits on the first 64).

    `memory_states` and `recall`, inlined: the statistics score a whole history with it."""
    out: list[Prediction] = []
    append = out.append
    decay = -w[20]
    factor = 0.9 ** (1 / decay) - 1
    d_easy = initial_difficulty(w, 4)
    ew8 = math.exp(w[8])
    short_forget = math.exp(w[17] * w[18])
    for card in cards:
        ms = card.ms
        ratings = card.ratings if limit is None else card.ratings[:limit]
        s = d = 0.0
        prev = 0
        for index, rating in enumerate(ratings):
            at = ms[index]
            if index == 0:
                s = max(w[rating - 1], S_MIN)
                d = clamp_difficulty(initial_difficulty(w, rating))
                prev = at
                continue
            days = (at - prev) // DAY_MS
            prev = at
            if days < 1:
                grow = math.exp(w[17] * (rating - 3 + w[18])) * s ** -w[19]
                if rating > 1 and grow < 1.0:
                    grow = 1.0
                s = max(s * grow, S_MIN)
            else:
                r = (1 + factor * days / s) ** decay
                append(Prediction(r, rating > 1, at))
                if rating == 1:
                    long_term = (
                        w[11] * d ** -w[12] * ((s + 1) ** w[13] - 1) * math.exp((1 - r) * w[14])
                    )
                    short_term = s / short_forget
                    s = short_term if short_term < long_term else long_term
                else:
                    hard = w[15] if rating == 2 else 1.0
                    easy = w[16] if rating == 4 else 1.0
                    growth = ew8 * (11 - d) * s ** -w[9] * (math.exp((1 - r) * w[10]) - 1)
                    s = s * (1 + growth * hard * easy)
                s = max(s, S_MIN)
            damped = d + (10.0 - d) * (-w[6] * (rating - 3)) / 9.0
            d = min(max(w[7] * d_easy + (1 - w[7]) * damped, D_MIN), D_MAX)
    return out


Memory = tuple[float, float, int]
"""A card's memory after its latest grade: stability, difficulty, and that grade's instant (ms)."""


def follow(
    w: Parameters,
    memory: dict[str, Memory],
    grades: Iterable[tuple[float, str, int, bool]],
) -> Iterator[tuple[str, Prediction]]:
    """`predictions` over grades of many cards in time order, (UTC seconds, card, rating, new),
    keeping each card's memory in `memory` (updated in place) so that a later call goes on from
    there: the statistics score a long history once and then only the grades added since.

    The same arithmetic as `predictions` over `stats.modelfit.card_histories` (a test holds them
    equal): a grade on a card that was new, or not in `memory`, starts the card afresh."""
    decay = -w[20]
    factor = 0.9 ** (1 / decay) - 1
    d_easy = initial_difficulty(w, 4)
    ew8 = math.exp(w[8])
    short_forget = math.exp(w[17] * w[18])
    for ts, card, rating, new in grades:
        at = round(ts * 1000)
        held = memory.get(card)
        if new or held is None:
            memory[card] = (
                max(w[rating - 1], S_MIN),
                clamp_difficulty(initial_difficulty(w, rating)),
                at,
            )
            continue
        s, d, prev = held
        if at < prev:
            at = prev
        days = (at - prev) // DAY_MS
        if days < 1:
            grow = math.exp(w[17] * (rating - 3 + w[18])) * s ** -w[19]
            if rating > 1 and grow < 1.0:
                grow = 1.0
            s = max(s * grow, S_MIN)
        else:
            r = (1 + factor * days / s) ** decay
            yield card, Prediction(r, rating > 1, at)
            if rating == 1:
                long_term = w[11] * d ** -w[12] * ((s + 1) ** w[13] - 1) * math.exp((1 - r) * w[14])
                short_term = s / short_forget
                s = short_term if short_term < long_term else long_term
            else:
                hard = w[15] if rating == 2 else 1.0
                easy = w[16] if rating == 4 else 1.0
                growth = ew8 * (11 - d) * s ** -w[9] * (math.exp((1 - r) * w[10]) - 1)
                s = s * (1 + growth * hard * easy)
            s = max(s, S_MIN)
        damped = d + (10.0 - d) * (-w[6] * (rating - 3)) / 9.0
        memory[card] = (s, min(max(w[7] * d_easy + (1 - w[7]) * damped, D_MIN), D_MAX), at)
