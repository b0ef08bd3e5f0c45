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


SCALE = 2**60
"""Fixed point of FitSums: sums of integers are exact, so parts added in any order (a history
scored in one go, or month by month and deck by deck) give the same Fit to the last bit."""


class FitSums:
    """The running sums behind a Fit: how many predictions, their cross-entropy, and per bin how
    many, their predicted recall and how many were recalled (`SCALE` fixed point)."""

    __slots__ = ("bins", "count", "loss")

    def __init__(self) -> None:
        self.count = 0
        self.loss = 0
        self.bins = [[0, 0, 0] for _ in EDGES[1:]]

    def add(self, recall: float, passed: bool) -> None:
        self.count += 1
        self.loss += int(bce(recall, passed) * SCALE)
        at = 0
        last = len(EDGES) - 2
        while at < last and recall >= EDGES[at + 1]:
            at += 1
        bucket = self.bins[at]
        bucket[0] += 1
        bucket[1] += int(recall * SCALE)
        bucket[2] += passed

    def merge(self, other: FitSums) -> None:
        self.count += other.count
        self.loss += other.loss
        for mine, theirs in zip(self.bins, other.bins, strict=True):
            for index, value in enumerate(theirs):
                mine[index] += value

    def to_list(self) -> list[object]:
        return [self.count, self.loss, self.bins]

    @classmethod
    def from_list(cls, raw: list[object]) -> FitSums:
        """The sums `to_list` gave (ValueError if they are not that)."""
        count, loss, bins = raw
        if not (
            isinstance(count, int)
            and isinstance(loss, int)
            and isinstance(bins, list)
            and len(bins) == len(EDGES) - 1
            and all(
                isinstance(b, list) and len(b) == 3 and all(isinstance(v, int) for v in b)
                for b in bins
            )
        ):
            raise ValueError("not fit sums")
        out = cls()
        out.count, out.loss, out.bins = count, loss, [list(b) for b in bins]
        return out

    def fit(self) -> Fit:
        """Log loss, RMSE(bins) and the calibration bins (nan without any prediction)."""
        if not self.count:
            return Fit(0, math.nan, math.nan, ())
        bins = tuple(
            CalibrationBin(EDGES[i], EDGES[i + 1], n, total / (SCALE * n), passed / n)
            for i, (n, total, passed) in enumerate(self.bins)
            if n
        )
        squares = sum(b.reviews * (b.predicted - b.actual) ** 2 for b in bins)
        count = self.count
        return Fit(count, self.loss / (SCALE * count), math.sqrt(squares / count), bins)


def score(predictions: Sequence[Prediction]) -> Fit:
    """Log loss, RMSE(bins) and the calibration bins of `predictions` (nan with none)."""
    sums = FitSums()
    for p in predictions:
        sums.add(p.recall, p.passed)
    return sums.fit()
