"""How well the memory model fits this user: the review history as each card's grades (what a fit
reads), and the calibration of `stats --json` (predicted recall against the share of reviews
actually recalled, under the parameters in use).

Scoring a million grades takes seconds, so the calibration keeps its running state (each card's
memory and each deck's sums) in `cache/history/calibration.json`, at a mark of the history cache
(HistoryReader.marks): the next time only the grades after that mark are scored. Like the rest of
that folder it is derived from the log and may be deleted at any time.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Mapping
from itertools import accumulate
from pathlib import Path
from typing import Any

from flashprep.core.files.fileio import atomic_write
from flashprep.core.keys import deck_of
from flashprep.core.scheduling.fitmetrics import FitSums
from flashprep.core.scheduling.memorymodel import CardReviews, Memory, follow
from flashprep.core.scheduling.parameters import DEFAULT_PARAMETERS
from flashprep.core.scheduling.recallshift import ShiftSums
from flashprep.core.stats.history import History

CALIBRATION_FILE = "calibration.json"
DEFAULT_CALIBRATION_FILE = "calibration-default.json"
"""The same under the default parameters, for users whose own are fitted (shown beside)."""
CALIBRATION_FORMAT = 2
"""2: with the counts behind the forecast's recall shift (recallshift.ShiftSums)."""
STEP = 50_000


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


class Scoring:
    """The calibration's running state after the first `count` grades of a history: each card's
    memory, each deck's FitSums, and every deck's grades by predicted log-odds (`shift`, what the
    forecast's correction is fitted on)."""

    def __init__(self, weights: tuple[float, ...]) -> None:
        self.weights = weights
        self.count = 0
        self.memory: dict[str, Memory] = {}
        self.decks: dict[str, FitSums] = {}
        self.shift = ShiftSums()

    def add(self, history: History, start: int, stop: int) -> None:
        """Score grades `start` to `stop` of `history` (those after `count`: start == count)."""
        part = history[start:stop]  # of a LazyHistory: only these grades are decoded
        grades = zip(part.ts, part.card, part.rating, part.new, strict=True)
        decks = self.decks
        shift = self.shift.add
        for card, prediction in follow(self.weights, self.memory, grades):
            deck = deck_of(card)
            sums = decks.get(deck)
            if sums is None:
                sums = decks[deck] = FitSums()
            sums.add(prediction.recall, prediction.passed)
            shift(prediction.recall, prediction.passed)
        self.count = stop

    def result(self, deck: str | None) -> dict[str, Any]:
        total = FitSums()
        for name in sorted(self.decks):
            if deck is None or name == deck:
                total.merge(self.decks[name])
        return total.fit().as_json()

    def encode(self, mark: str) -> bytes:
        doc = {
            "v": CALIBRATION_FORMAT,
            "weights": list(self.weights),
            "mark": mark,
            "count": self.count,
            "memory": self.memory,
            "decks": {name: sums.to_list() for name, sums in self.decks.items()},
            "shift": self.shift.to_list(),
        }
        return json.dumps(doc, separators=(",", ":")).encode()

    @classmethod
    def decode(cls, raw: bytes, weights: tuple[float, ...], marks: Mapping[str, int]) -> Scoring:
        """The state saved at one of `marks` under these weights (ValueError, KeyError,
        TypeError if it is not that)."""
        doc = json.loads(raw)
        if doc["v"] != CALIBRATION_FORMAT or doc["weights"] != list(weights):
            raise ValueError("other weights")
        if marks.get(doc["mark"]) != doc["count"]:
            raise ValueError("not a mark of this history")
        out = cls(weights)
        out.count = doc["count"]
        memory = doc["memory"]
        if not isinstance(memory, dict):
            raise ValueError("bad memory")
        for card, (s, d, at) in memory.items():
            if not (isinstance(s, float) and isinstance(d, float) and isinstance(at, int)):
                raise ValueError("bad memory")
            out.memory[card] = (s, d, at)
        out.decks = {name: FitSums.from_list(sums) for name, sums in doc["decks"].items()}
        out.shift = ShiftSums.from_list(doc["shift"])
        return out


class CalibrationCache:
    """Where the calibration's state is kept, and at which marks of the history cache (see
    HistoryReader.marks and .stable); `save()` writes the state at the stable mark."""

    def __init__(
        self,
        folder: Path,
        marks: Mapping[str, int],
        stable: tuple[str, int] | None,
        progress: Callable[[float], None] | None = None,
        name: str = CALIBRATION_FILE,
    ) -> None:
        self.path = folder / name
        self.marks = marks
        self.stable = stable
        self.progress = progress
        """Told the share done while more than STEP grades are scored (seconds at a million)."""
        self._pending: bytes | None = None
        self.resumed_at = 0
        """How many grades the saved state held (0 when there was none to go on from)."""

    def scoring(self, history: History, weights: tuple[float, ...]) -> Scoring:
        """Every grade of `history` scored, from the saved state where it still holds."""
        scoring = Scoring(weights)
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError, AttributeError):
            scoring = Scoring.decode(self.path.read_bytes(), weights, self.marks)
        self.resumed_at = scoring.count
        stable = self.stable
        if stable is not None and stable[1] > scoring.count and stable[1] <= len(history):
            self._add(scoring, history, stable[1])
            self._pending = scoring.encode(stable[0])
        self._add(scoring, history, len(history))
        return scoring

    def _add(self, scoring: Scoring, history: History, stop: int) -> None:
        """Score up to grade `stop`, in steps when there are many (to show progress)."""
        while scoring.count < stop:
            scoring.add(history, scoring.count, min(stop, scoring.count + STEP))
            if self.progress is not None and len(history) - self.resumed_at > STEP:
                self.progress((scoring.count - self.resumed_at) / (len(history) - self.resumed_at))

    def save(self) -> None:
        """Write the state at the stable mark if this run scored past it; failing is no error."""
        pending, self._pending = self._pending, None
        if pending is not None:
            with contextlib.suppress(OSError):
                atomic_write(self.path, pending, durable=False)


def calibration(
    history: History,
    parameters: tuple[float, ...] | None,
    deck: str | None = None,
    cache: CalibrationCache | None = None,
) -> dict[str, Any]:
    """`stats --json`'s `calibration`: log loss, RMSE(bins) and the bins of the model's
    predictions at every scored grade (of one deck's cards when given), which parameters made
    them, and `recall_shift`: the log-odds shift the forecast of recall on the interview date
    applies (recallshift; fitted on every deck's grades, also with `deck`). Seconds for a
    million grades, unless `cache` holds the state of most of them: `stats --json` asks for
    it, the statistics screen does not."""
    weights = parameters if parameters is not None else DEFAULT_PARAMETERS
    if cache is not None:
        scoring = cache.scoring(history, weights)
    else:
        scoring = Scoring(weights)
        scoring.add(history, 0, len(history))
    return {
        "parameters": "fitted" if parameters is not None else "default",
        **scoring.result(deck),
        "recall_shift": round(scoring.shift.fit(), 4),
    }
