"""Scheduling with FSRS-6, with per-card seeded fuzz.

A grade's arithmetic is fsrs 6.3's, written out in `fastreview` (a replay grades a million
entries; the library's Card objects and its use of the global `random` cost most of that). The
fuzz is seeded per card and review (from the user's seed, the card key and its review count), so
that the interval shown on a grade button is the one the grade gives, a replay of the log
reproduces the schedule exactly, and tests are deterministic.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import IntEnum
from typing import Literal, NamedTuple

from flashprep.core.scheduling.fastreview import Fsrs6

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

DECAY = -0.1542
"""The forgetting curve's decay: minus fsrs's default parameter w[20], which the scheduler
uses unless the user has fitted parameters (tests/core/scheduling/test_scheduler.py keeps the two
equal)."""
FACTOR = 0.9 ** (1 / DECAY) - 1
"""Chosen by fsrs so that recall is 90% when the elapsed days equal the stability."""


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
_new_tuple = tuple.__new__


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
        s = self.settings
        self._fsrs6 = Fsrs6(
            weights,
            s.desired_retention,
            tuple(timedelta(minutes=m) for m in s.learning_steps_minutes),
            tuple(timedelta(minutes=m) for m in s.relearning_steps_minutes),
            s.maximum_interval_days,
            s.fuzz,
            s.seed,
        )

    def review(self, key: str, state: CardState, rating: Rating, now: datetime) -> CardState:
        """The state after grading `rating` at `now` (aware UTC)."""
        if rating not in RATINGS:
            raise ValueError(f"rating must be 1-4, not {rating!r}")
        # A review dated before the last one (clock moved back) is taken as at the last one.
        last = state.last_review
        when = now if last is None or now >= last else last
        name, step, stability, difficulty, due = self._fsrs6.review(key, state, rating, when)
        lapse = state.state == "review" and rating == Rating.AGAIN
        # Every field but `suspended` is new: built whole with tuple.__new__, not through
        # `_replace` or CardState(...) (Python code that checks the fields: a replay makes a
        # million).
        return _new_tuple(
            CardState,
            (
                name,
                step,
                stability,
                difficulty,
                due,
                when,
                state.reps + 1,
                state.lapses + 1 if lapse else state.lapses,
                state.suspended,
                None,
            ),
        )

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

    def recall_at(self, state: CardState, at: datetime) -> float:
        """Predicted recall at `at` from the time elapsed to the second, not in whole days: the
        forecast of recall on a date. `retrievability` counts whole days, as FSRS schedules, and
        so reads 1 all the day after a grade and over-predicts a card by up to a day."""
        if state.is_new or state.last_review is None or state.stability is None:
            return 0.0
        elapsed = max(0.0, (at - state.last_review).total_seconds() / 86400)
        return float((1 + self._factor * elapsed / state.stability) ** self._decay)
