"""Scheduling through FSRS (the `fsrs` library), with per-card seeded fuzz.

fsrs fuzzes review intervals with the global `random` generator. We seed it per card and review
(from the user's seed, the card key and its review count) and restore it afterwards, so that the
interval shown on a grade button is the one the grade gives, a replay of the log reproduces the
schedule exactly, and tests are deterministic.
"""

from __future__ import annotations

import random
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from enum import IntEnum
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

if TYPE_CHECKING:
    from fsrs import Card as FsrsCard

StateName = Literal["new", "learning", "review", "relearning"]
SameReason = Literal["maximum", "same-day", "shortest"]
"""Why every passing grade gives the same interval (Scheduler.why_same)."""


class Rating(IntEnum):
    """A grade, as FSRS and Anki number them. The log stores the number (`rating = 3`): an
    IntEnum formats as its int, so nothing on disk names the enum."""

    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4


RATINGS: dict[Rating, str] = {
    Rating.AGAIN: "Again",
    Rating.HARD: "Hard",
    Rating.GOOD: "Good",
    Rating.EASY: "Easy",
}
"""Each rating's label, in order (grade buttons, summaries)."""
RATING_OF: dict[int, Rating] = {int(r): r for r in Rating}
"""A rating read from the log (an int, already checked to be 1-4) as a Rating: a dict lookup is
several times cheaper than calling Rating(n), and a replay does it per entry."""

_TO_FSRS: dict[StateName, int] = {"learning": 1, "review": 2, "relearning": 3}
"""Our state names and the values of fsrs.State (fsrs is imported on the first grade or preview,
not at start-up)."""
_FROM_FSRS: dict[int, StateName] = {v: k for k, v in _TO_FSRS.items()}
"""fsrs.State is an IntEnum: its members find their names here as they are."""
DECAY = -0.1542
"""The forgetting curve's decay: minus fsrs's default parameter w[20], which our fsrs Scheduler
uses unless the user has fitted parameters (tests/core/scheduling/test_scheduler.py keeps the two
equal; fsrs is not imported just for this)."""
FACTOR = 0.9 ** (1 / DECAY) - 1
"""Chosen by fsrs so that recall is 90% when the elapsed days equal the stability."""
_RANDOM_LOCK = threading.RLock()
"""fsrs fuzzes with the global `random`: seeding, reviewing and restoring it is one step."""
_batch_depth = 0
"""How many `Scheduler.batch()` blocks the thread holding _RANDOM_LOCK is in."""


class CardState(NamedTuple):
    """A user's schedule for one card. Cards never graded and never buried/suspended have none.

    A named tuple rather than a frozen dataclass: start-up builds one per card seen (10,000 and
    more), and a tuple is built several times faster. Change one with `state._replace(...)`.
    """

    state: StateName = "new"
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    due: datetime | None = None
    last_review: datetime | None = None
    reps: int = 0
    lapses: int = 0
    suspended: bool = False
    buried_until: date | None = None

    @property
    def is_new(self) -> bool:
        return self.state == "new"


NEW = CardState()


class _FsrsTypes(NamedTuple):
    """fsrs's Card class and the enum members our values map to, looked up once: a replay
    reviews thousands of cards, and importing or calling an enum per review adds up."""

    card: type[FsrsCard]
    states: dict[str, Any]
    ratings: dict[Rating, Any]


@cache
def _fsrs_types() -> _FsrsTypes:
    from fsrs import Card, State
    from fsrs import Rating as FsrsRating

    class _Card(Card):
        """fsrs.Card, copied field by field: fsrs copies every card it reviews (copy.copy), and
        the generic way (reduce, then reconstruct) costs three times as much."""

        def __copy__(self) -> _Card:
            copied = object.__new__(type(self))
            copied.__dict__.update(self.__dict__)
            return copied

    return _FsrsTypes(
        _Card,
        {name: State(value) for name, value in _TO_FSRS.items()},
        {rating: FsrsRating(int(rating)) for rating in RATINGS},
    )


class SchedulerSettings(NamedTuple):
    desired_retention: float = 0.9
    learning_steps_minutes: tuple[float, ...] = (1.0, 10.0)
    relearning_steps_minutes: tuple[float, ...] = (10.0,)
    maximum_interval_days: int = 36500
    fuzz: bool = True
    seed: int = 0
    parameters: tuple[float, ...] | None = None
    """FSRS-6's 21 weights fitted to the user (`flashprep optimize`); None: fsrs's defaults.
    Every replay, preview and forecast uses them (the history cache is keyed by these settings;
    a new set rebuilds the checkpoint: commands/optimize.py)."""


class Scheduler:
    """Grades cards with FSRS; pure: returns new states, never mutates."""

    def __init__(self, settings: SchedulerSettings | None = None) -> None:
        self.settings = settings or SchedulerSettings()
        weights = self.settings.parameters
        self._decay = DECAY if weights is None else -weights[20]
        self._factor = FACTOR if weights is None else 0.9 ** (1 / self._decay) - 1

    @cached_property
    def _fsrs(self) -> Any:
        from fsrs import Scheduler as FsrsScheduler

        s = self.settings
        extra = {} if s.parameters is None else {"parameters": s.parameters}
        return FsrsScheduler(
            desired_retention=s.desired_retention,
            learning_steps=tuple(timedelta(minutes=m) for m in s.learning_steps_minutes),
            relearning_steps=tuple(timedelta(minutes=m) for m in s.relearning_steps_minutes),
            maximum_interval=s.maximum_interval_days,
            enable_fuzzing=s.fuzz,
            **extra,
        )

    @staticmethod
    def _to_fsrs(state: CardState, now: datetime) -> FsrsCard:
        fsrs = _fsrs_types()
        if state.is_new:
            return fsrs.card(card_id=1, due=now)
        return fsrs.card(
            card_id=1,
            state=fsrs.states[state.state],
            step=state.step,
            stability=state.stability,
            difficulty=state.difficulty,
            due=state.due or now,
            last_review=state.last_review,
        )

    def _seed(self, key: str, reps: int) -> int:
        return zlib.crc32(f"{self.settings.seed}:{key}:{reps}".encode())

    def review(self, key: str, state: CardState, rating: Rating, now: datetime) -> CardState:
        """The state after grading `rating` at `now` (aware UTC)."""
        if rating not in RATINGS:
            raise ValueError(f"rating must be 1-4, not {rating!r}")
        grade = _fsrs_types().ratings[rating]
        card = self._to_fsrs(state, now)
        # A review dated before the last one (clock moved back) is taken as at the last one.
        when = max(now, state.last_review) if state.last_review else now
        with _RANDOM_LOCK:  # a statistics worker may replay the log while the drill grades
            if _batch_depth:  # batch() saved the generator's state and restores it at its end
                random.seed(self._seed(key, state.reps))
                new, _log = self._fsrs.review_card(card, grade, review_datetime=when)
            else:
                saved = random.getstate()
                random.seed(self._seed(key, state.reps))
                try:
                    new, _log = self._fsrs.review_card(card, grade, review_datetime=when)
                finally:
                    random.setstate(saved)
        lapse = state.state == "review" and rating == Rating.AGAIN
        # Every field but `suspended` is new: built whole, not through `_replace` (a replay
        # makes thousands).
        return CardState(
            _FROM_FSRS[new.state],
            new.step,
            new.stability,
            new.difficulty,
            new.due,
            new.last_review,
            state.reps + 1,
            state.lapses + (1 if lapse else 0),
            state.suspended,
            None,
        )

    @staticmethod
    @contextmanager
    def batch() -> Iterator[None]:
        """Many reviews in a row (a replay): the global `random` is saved once, not per review.

        Saving and restoring its state costs more than a review's own arithmetic. Each review
        still seeds it the same way, so the schedule is the same; other threads wait to review
        until the block ends.
        """
        global _batch_depth
        with _RANDOM_LOCK:
            saved = random.getstate()
            _batch_depth += 1
            try:
                yield
            finally:
                _batch_depth -= 1
                random.setstate(saved)

    def preview(self, key: str, state: CardState, now: datetime) -> dict[Rating, timedelta]:
        """For each rating, how long until the card would be due again."""
        out: dict[Rating, timedelta] = {}
        for rating in RATINGS:
            after = self.review(key, state, rating, now)
            assert after.due is not None
            out[rating] = after.due - now
        return out

    def why_same(
        self, state: CardState, preview: dict[Rating, timedelta], now: datetime
    ) -> SameReason | None:
        """Why Hard, Good and Easy give the same interval, when they do (else None).

        fsrs rounds a review's interval to whole days, at least one and at most the maximum
        interval. "maximum": all three reach the maximum. "same-day": the card was reviewed less
        than a day ago, so its stability grows only a little (fsrs's short-term formula) and
        every grade rounds to the shortest interval, one day. "shortest": the card's stability
        is still under about a day, and every grade rounds to one day.
        """
        passing = {preview[r] for r in (Rating.HARD, Rating.GOOD, Rating.EASY)}
        if len(passing) != 1:
            return None
        (same,) = passing
        if same == timedelta(days=self.settings.maximum_interval_days):
            return "maximum"
        if same != timedelta(days=1):
            return None
        if state.last_review is not None and now - state.last_review < timedelta(days=1):
            return "same-day"
        return "shortest"

    def retrievability(self, state: CardState, now: datetime) -> float:
        """Predicted probability of recall at `now` (0 for a card never reviewed).

        fsrs's own formula (Scheduler.get_card_retrievability), worked out here from the
        stability and the whole days elapsed: the statistics ask it of 10,000 cards at a time,
        and building an fsrs Card for each costs ten times the sum itself.
        """
        if state.is_new or state.last_review is None or state.stability is None:
            return 0.0
        elapsed = max(0, (now - state.last_review).days)
        return float((1 + self._factor * elapsed / state.stability) ** self._decay)
