"""How well a memory model's predictions fit what the user recalled: log loss, RMSE(bins), and
the calibration table behind them (predicted recall against the pass rate, bin by bin).

The same measures as the open SRS benchmark reports, so that a user's figures can be read
against its (FSRS-6 fitted: log loss 0.32, RMSE(bins) 0.05; defaults 0.34 and 0.07). Our bins
are fixed ranges of predicted recall, narrower where most predictions fall (0.8-1.0); the
benchmark bins differently, so its RMSE(bins) compares in size only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

from flashprep.core.scheduling.memorymodel import Prediction

EDGES = (0.0, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 1.0)
"""The bins' bounds of predicted recall (each bin holds its lower bound; the last also 1.0)."""


class CalibrationBin(NamedTuple):
    """The grades whose predicted recall fell in [low, high): how many, the mean prediction,
    and the share actually recalled."""

    low: float
    high: float
    reviews: int
    predicted: float
    actual: float


class Fit(NamedTuple):
    """A model's predictions scored against the outcomes."""

    reviews: int
    log_loss: float
    rmse_bins: float
    bins: tuple[CalibrationBin, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "reviews": self.reviews,
            "log_loss": _rounded(self.log_loss),
            "rmse_bins": _rounded(self.rmse_bins),
            "bins": [
                {
                    "low": b.low,
                    "high": b.high,
                    "reviews": b.reviews,
                    "predicted": round(b.predicted, 4),
                    "actual": round(b.actual, 4),
                }
                for b in self.bins
            ],
        }


def _rounded(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 5)


def bce(recall: float, passed: bool) -> float:
    """One prediction's cross-entropy, logs clipped at -100 (as torch's BCELoss)."""
    p = recall if passed else 1 - recall
    return -max(math.log(p), -100.0) if p > 0 else 100.0


def score(predictions: Sequence[Prediction]) -> Fit:
    """Log loss, RMSE(bins) and the calibration bins of `predictions` (nan with none)."""
    if not predictions:
        return Fit(0, math.nan, math.nan, ())
    sums = [[0, 0.0, 0] for _ in EDGES[1:]]
    loss = 0.0
    last = len(EDGES) - 2
    for p in predictions:
        loss += bce(p.recall, p.passed)
        at = 0
        while at < last and p.recall >= EDGES[at + 1]:
            at += 1
        bucket = sums[at]
        bucket[0] += 1
        bucket[1] += p.recall
        bucket[2] += p.passed
    bins = tuple(
        CalibrationBin(EDGES[i], EDGES[i + 1], int(n), total / n, passed / n)
        for i, (n, total, passed) in enumerate(sums)
        if n
    )
    squares = sum(b.reviews * (b.predicted - b.actual) ** 2 for b in bins)
    count = len(predictions)
    return Fit(count, loss / count, math.sqrt(squares / count), bins)
