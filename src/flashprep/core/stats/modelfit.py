"""How well the memory model fits this user: the review history as each card's grades (what a fit
and the calibration read), and the calibration of `stats --json` (predicted recall against the
share of reviews actually recalled, under the parameters in use)."""

from __future__ import annotations

from typing import Any

from flashprep.core.scheduling.fitmetrics import score
from flashprep.core.scheduling.memorymodel import CardReviews, card_reviews, predictions
from flashprep.core.scheduling.parameters import DEFAULT_PARAMETERS
from flashprep.core.stats.history import History


def card_histories(history: History) -> list[CardReviews]:
    """Each card's grades, oldest first, as the model replays them: a grade on a card that was
    new (never graded, or reset by `forget`) starts a new history."""
    open_: dict[str, list[tuple[int, int]]] = {}
    out: list[list[tuple[int, int]]] = []
    for ts, card, rating, new in zip(
        history.ts, history.card, history.rating, history.new, strict=True
    ):
        grades = open_.get(card)
        if new or grades is None:
            grades = open_[card] = []
            out.append(grades)
        grades.append((round(ts * 1000), rating))
    return [card_reviews(grades) for grades in out]


def calibration(history: History, parameters: tuple[float, ...] | None) -> dict[str, Any]:
    """`stats --json`'s `calibration`: log loss, RMSE(bins) and the bins of the model's
    predictions at every scored grade, and which parameters made them."""
    weights = parameters if parameters is not None else DEFAULT_PARAMETERS
    fit = score(predictions(weights, card_histories(history)))
    return {"parameters": "fitted" if parameters is not None else "default", **fit.as_json()}
