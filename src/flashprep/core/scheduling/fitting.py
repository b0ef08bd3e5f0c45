"""Whether parameters fitted to a user's history are worth keeping, judged out of sample.

The history is split in time: the fit sees only the grades before the split, and both the
user's current parameters and the new ones are scored on the grades after it (each card
replayed from its first grade, so the later grades are predicted from everything before them).
The new parameters are kept only when their log loss there is lower; then the fit is run again
on the whole history, so that the most recent grades count too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

from flashprep.core.scheduling.fitmetrics import Fit, score
from flashprep.core.scheduling.memorymodel import CardReviews, predictions
from flashprep.core.scheduling.optimizer import fit, scored_count
from flashprep.core.scheduling.parameters import Parameters

MIN_REVIEWS = 1000
"""Scored grades (a day or more after the card's last) a history needs before a fit: FSRS's
own advice is to keep the defaults below about a thousand reviews."""
HOLDOUT = 0.2
"""The share of the scored grades, the latest, that the fit does not see."""


class NotEnoughHistory(Exception):
    """Too few grades to fit on; the message says how many are needed."""

    def __init__(self, have: int) -> None:
        self.have = have
        super().__init__(
            f"a fit needs {MIN_REVIEWS:,} reviews a day or more after the card's previous one "
            f"(your history has {have:,}); until then the default parameters are used"
        )


class FitOutcome(NamedTuple):
    """What a fit found. `before` and `after` score the current and the new parameters on the
    same later grades; `parameters` are the ones to keep (the current ones unless `better`)."""

    reviews: int
    split_ms: int
    before: Fit
    after: Fit
    better: bool
    parameters: Parameters


def split_at(cards: Sequence[CardReviews]) -> int:
    """The instant (ms) from which the latest HOLDOUT of the scored grades are held out."""
    times = sorted(
        ms
        for card in cards
        for index, (prev, ms) in enumerate(zip((0, *card.ms), card.ms, strict=False))
        if index and (ms - prev) >= 86_400_000
    )
    return times[int(len(times) * (1 - HOLDOUT))] if times else 0


def before(cards: Sequence[CardReviews], split_ms: int) -> list[CardReviews]:
    """Each card's grades before `split_ms` (cards with none left out)."""
    out = []
    for card in cards:
        n = sum(1 for ms in card.ms if ms < split_ms)
        if n:
            out.append(CardReviews(card.ms[:n], card.ratings[:n]))
    return out


def held_out(w: Parameters, cards: Sequence[CardReviews], split_ms: int) -> Fit:
    """`w` scored on the grades from `split_ms` on."""
    return score([p for p in predictions(w, cards) if p.ms >= split_ms])


def fit_history(
    cards: Sequence[CardReviews],
    current: Parameters,
    progress: Callable[[float], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> FitOutcome:
    """Fit, compare out of sample, refit on everything when better (see the module).

    Raises NotEnoughHistory below MIN_REVIEWS scored grades, and optimizer.FitCancelled."""
    reviews = scored_count(cards, None)
    if reviews < MIN_REVIEWS:
        raise NotEnoughHistory(reviews)
    split_ms = split_at(cards)
    train = before(cards, split_ms)
    grades_train = sum(len(c.ratings) for c in train)
    grades_all = sum(len(c.ratings) for c in cards)
    share = grades_train / (grades_train + grades_all)

    def part(low: float, width: float) -> Callable[[float], None] | None:
        if progress is None:
            return None
        report = progress
        return lambda done: report(low + width * done)

    candidate = fit(train, progress=part(0.0, share), cancelled=cancelled)
    old = held_out(current, cards, split_ms)
    new = held_out(candidate, cards, split_ms)
    better = new.log_loss < old.log_loss
    kept = current
    if better:
        kept = fit(cards, progress=part(share, 1 - share), cancelled=cancelled)
    if progress is not None:
        progress(1.0)
    return FitOutcome(reviews, split_ms, old, new, better, kept)
