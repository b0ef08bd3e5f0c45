"""How well the memory model fits this user: the review history as each card's grades (what a fit
and the calibration read), and the calibration of `stats --json` (predicted recall against the
share of reviews actually recalled, under the parameters in use)."""

from __future__ import annotations

from itertools import accumulate
from typing import Any

from flashprep.core.scheduling.fitmetrics import score
from flashprep.core.scheduling.memorymodel import CardReviews, predictions
from flashprep.core.scheduling.parameters import DEFAULT_PARAMETERS
from flashprep.core.stats.history import History


def card_histories(history: History, deck: str | None = None) -> list[CardReviews]:
    """Each card's grades (of one deck's cards when given), oldest first, as the model replays
    them: a grade on a card that was new (never graded, or reset by `forget`) starts a new
    history."""
    prefix = None if deck is None else f"{deck}/"
    open_: dict[str, tuple[list[int], list[int]]] = {}
    out: list[tuple[list[int], list[int]]] = []
    for ts, card, rating, new in zip(
        history.ts, history.card, history.rating, history.new, strict=True
    ):
        if prefix is not None and not card.startswith(prefix):
            continue
        grades = open_.get(card)
        if new or grades is None:
            grades = open_[card] = ([], [])
            out.append(grades)
        grades[0].append(round(ts * 1000))
        grades[1].append(rating)
    return [CardReviews(tuple(accumulate(ms, max)), tuple(ratings)) for ms, ratings in out]


def calibration(
    history: History, parameters: tuple[float, ...] | None, deck: str | None = None
) -> dict[str, Any]:
    """`stats --json`'s `calibration`: log loss, RMSE(bins) and the bins of the model's
    predictions at every scored grade (of one deck's cards when given), and which parameters
    made them. About half a second for 100,000 grades: `stats --json` asks for it, the
    statistics screen does not."""
    weights = parameters if parameters is not None else DEFAULT_PARAMETERS
    fit = score(predictions(weights, card_histories(history, deck)))
    return {"parameters": "fitted" if parameters is not None else "default", **fit.as_json()}
