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
from collections.abc import Callable, Iterable, Mapping
from itertools import accumulate, compress
from pathlib import Path
from typing import Any

from flashprep.core.files.fileio import atomic_write
from flashprep.core.keys import deck_of
from flashprep.core.scheduling.fitmetrics import FitSums
from flashprep.core.scheduling.memorymodel import CardReviews, Memory, follow
from flashprep.core.scheduling.parameters import DEFAULT_PARAMETERS
from flashprep.core.scheduling.recallshift import ShiftSums
from flashprep.core.stats import splitreplay
from flashprep.core.stats.history import History, LazyHistory

CALIBRATION_FILE = "calibration.json"
DEFAULT_CALIBRATION_FILE = "calibration-default.json"
"""The same under the default parameters, for users whose own are fitted (shown beside)."""
CALIBRATION_FORMAT = 2
"""2: with the counts behind the forecast's recall shift (recallshift.ShiftSums)."""
STEP = 50_000
BUSY_SHARE = 0.2
"""The share of the cards this process scores when a scoring is split and it has other work
(the statistics: about 40% of a cold calibration's time) to do meanwhile."""


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
        self.score(zip(part.ts, part.card, part.rating, part.new, strict=True))
        self.count = stop

    def score(self, grades: Iterable[tuple[float, str, int, bool]]) -> None:
        """Score these grades (ts, card, rating, new), in time order; `count` is the caller's."""
        decks = self.decks
        shift = self.shift.add
        for card, prediction in follow(self.weights, self.memory, grades):
            deck = deck_of(card)
            sums = decks.get(deck)
            if sums is None:
                sums = decks[deck] = FitSums()
            sums.add(prediction.recall, prediction.passed)
            shift(prediction.recall, prediction.passed)

    def merge(self, other: Scoring) -> None:
        """Add the scoring of other cards' grades (their memory, their sums: exact integers,
        so the parts of a history scored apart give the whole's figures to the last bit)."""
        self.memory.update(other.memory)
        for name, sums in other.decks.items():
            mine = self.decks.get(name)
            if mine is None:
                mine = self.decks[name] = FitSums()
            mine.merge(sums)
        self.shift.merge(other.shift)

    def result(self, deck: str | None) -> dict[str, Any]:
        total = FitSums()
        for name in sorted(self.decks):
            if deck is None or name == deck:
                total.merge(self.decks[name])
        return total.fit().as_json()

    def encode(self, mark: str) -> bytes:
        """The state at `mark`, its cards and decks in key order (the same bytes whether the
        history was scored in one process or by card in several)."""
        doc = {
            "v": CALIBRATION_FORMAT,
            "weights": list(self.weights),
            "mark": mark,
            "count": self.count,
            "memory": dict(sorted(self.memory.items())),
            "decks": {name: self.decks[name].to_list() for name in sorted(self.decks)},
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

    def scoring(
        self,
        history: History,
        weights: tuple[float, ...],
        meanwhile: Callable[[], None] | None = None,
    ) -> Scoring:
        """Every grade of `history` scored, from the saved state where it still holds.
        `meanwhile`: other work, done here while a child scores most grades, when a long
        scoring is split (the caller calls it otherwise)."""
        scoring = Scoring(weights)
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError, AttributeError):
            scoring = Scoring.decode(self.path.read_bytes(), weights, self.marks)
        self.resumed_at = scoring.count
        stable = self.stable
        if stable is not None and not scoring.count < stable[1] <= len(history):
            stable = None  # nothing to keep at the mark
        if splitreplay.splits(len(history) - scoring.count):
            mark = stable[1] if stable is not None else None
            apart = _score_apart(scoring, history, mark, self.progress, meanwhile)
            if apart is not None:
                at_mark, scoring = apart
                if stable is not None and at_mark is not None:
                    self._pending = at_mark.encode(stable[0])
                return scoring
        if stable is not None:
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


_Sums = tuple[dict[str, list[Any]], list[list[int]]]
"""A part's decks' FitSums and its ShiftSums, as to_list gives them (to pickle)."""


def _score_apart(
    start: Scoring,
    history: History,
    mark: int | None,
    progress: Callable[[float], None] | None,
    meanwhile: Callable[[], None] | None,
) -> tuple[Scoring | None, Scoring] | None:
    """The grades after `start.count` scored by card in several processes (stats.splitreplay,
    as the replay splits them): the scoring at grade `mark` (None without one) and at the end;
    None if the processes could not be started (nothing changed: score here). With work to do
    `meanwhile`, this process scores only BUSY_SHARE of the cards."""
    groups = splitreplay.processes_here()
    ts, cards, ratings, new = (_column(history, name, start.count) for name in _SCORED)
    share = BUSY_SHARE if meanwhile is not None else None
    group = {key: splitreplay.group_of(key, groups, share) for key in set(cards)}
    sides = bytes(map(group.__getitem__, cards))
    size = len(cards)
    cut = size if mark is None else mark - start.count
    columns = (ts, cards, ratings, new)

    def work(side: int, report: Callable[[], None] | None) -> tuple[_Sums | None, _Sums, Any]:
        own = Scoring(start.weights)
        own.memory = {k: v for k, v in start.memory.items() if group.get(k) == side}
        mine = sides.translate(splitreplay.MINE[side])
        own_size = max(1, mine.count(1))
        at_mark: _Sums | None = None
        memory_at_mark: dict[str, Memory] | None = None
        for begin, end in ((0, cut), (cut, size)):
            for low in range(begin, end, STEP):  # in steps: to show progress
                high = min(end, low + STEP)
                picked = mine[low:high]
                own.score(zip(*(compress(c[low:high], picked) for c in columns), strict=True))
                if report is not None:
                    report()  # a child: alive
                elif progress is not None:
                    progress(mine.count(1, 0, high) / own_size)
            if end == cut and mark is not None:
                at_mark = _sums(own)
                memory_at_mark = dict(own.memory)
        return at_mark, _sums(own), (memory_at_mark, own.memory)

    parts = splitreplay.run_groups(work, groups, meanwhile=meanwhile)
    if parts is None:
        return None
    at_mark = None
    if mark is not None:
        at_mark = _copy(start)
        for sums, _, (memory, _) in parts:
            at_mark.merge(_unsums(start.weights, sums, memory))
        at_mark.count = mark
    end = start
    for _, sums, (_, memory) in parts:
        end.merge(_unsums(start.weights, sums, memory))
    end.count = len(history)
    return at_mark, end


_SCORED = ("ts", "card", "rating", "new")
"""The columns a scoring reads."""


def _column(history: History, name: str, start: int) -> Any:
    """Grades `start` on of one column (the column itself from 0: not copied)."""
    if isinstance(history, LazyHistory):
        return history.column_part(name, start, len(history))
    column = getattr(history, name)
    return column if start == 0 else column[start:]


def _sums(scoring: Scoring) -> _Sums:
    """A copy of the sums (to_list gives a FitSums' own bins, which scoring goes on adding to)."""
    decks = {k: FitSums.from_list(v.to_list()).to_list() for k, v in scoring.decks.items()}
    return decks, scoring.shift.to_list()


def _unsums(weights: tuple[float, ...], sums: Any, memory: dict[str, Memory]) -> Scoring:
    decks, shift = sums
    out = Scoring(weights)
    out.memory = memory
    out.decks = {name: FitSums.from_list(raw) for name, raw in decks.items()}
    out.shift = ShiftSums.from_list(shift)
    return out


def _copy(scoring: Scoring) -> Scoring:
    out = Scoring(scoring.weights)
    out.count = scoring.count
    out.memory = dict(scoring.memory)
    out.merge(_unsums(scoring.weights, _sums(scoring), {}))
    return out


def calibration(
    history: History,
    parameters: tuple[float, ...] | None,
    deck: str | None = None,
    cache: CalibrationCache | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """`stats --json`'s `calibration`: log loss, RMSE(bins) and the bins of the model's
    predictions at every scored grade (of one deck's cards when given), which parameters made
    them, and `recall_shift`: the log-odds shift the forecast of recall on the interview date
    applies (recallshift; fitted on every deck's grades, also with `deck`). Seconds for a
    million grades, unless `cache` holds the state of most of them: `stats --json` asks for
    it, the statistics screen does not."""
    weights = parameters if parameters is not None else DEFAULT_PARAMETERS
    once = splitreplay.CallOnce(meanwhile)
    if cache is not None:
        scoring = cache.scoring(history, weights, once if once.busy else None)
    else:
        scoring = Scoring(weights)
        scoring.add(history, 0, len(history))
    once()  # not done while a child scored: done now
    return {
        "parameters": "fitted" if parameters is not None else "default",
        **scoring.result(deck),
        "recall_shift": round(scoring.shift.fit(), 4),
    }
