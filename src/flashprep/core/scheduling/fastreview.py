"""FSRS-6's review written out: what fsrs 6.3's `Scheduler.review_card` does to a card, bit for bit.

A replay grades every entry of the log (a million for a decade of Anki history). Through the
library each grade built an fsrs Card, copied it, and saved, seeded and restored the global
`random` for its fuzz: three quarters of a replay's time. Here the same arithmetic runs on plain
values, and the fuzz comes from a private generator seeded the same way (`fuzz_seed`), which
draws the very numbers the global one drew.

Every expression is fsrs's own, in its order and association (`math.e ** x`, not `math.exp(x)`:
the two can differ in the last bit; products left to right), so stability, difficulty and due
are the floats and instants fsrs gives. Constants fsrs recomputes per review are computed once
from the same expressions. Pinned to fsrs 6.3 (pyproject: fsrs>=6.3,<7):
tests/core/scheduling/test_fastreview.py replays random histories through both
(`fsrsreference`) and fails on any difference, so a new fsrs release that changes a formula
shows there.
"""

from __future__ import annotations

import _random
import math
import os
import threading
import zlib
from datetime import UTC, datetime, timedelta
from typing import Protocol

from flashprep.core.scheduling.parameters import DEFAULT_PARAMETERS, Parameters

E = math.e
STABILITY_MIN = 0.001
"""fsrs's STABILITY_MIN."""
FUZZ_RANGES = ((2.5, 7.0, 0.15), (7.0, 20.0, 0.1), (20.0, math.inf, 0.05))
"""fsrs's FUZZ_RANGES: (start, end, factor), in its order (the sum is taken in it)."""

Outcome = tuple[str, int | None, float, float, datetime]
"""A review's result: state name, step, stability, difficulty, due."""


class Memory(Protocol):
    """What a review reads of a card's state (scheduler.CardState)."""

    @property
    def state(self) -> str: ...
    @property
    def step(self) -> int | None: ...
    @property
    def stability(self) -> float | None: ...
    @property
    def difficulty(self) -> float | None: ...
    @property
    def last_review(self) -> datetime | None: ...
    @property
    def reps(self) -> int: ...


_DRAWING = threading.Lock()
"""Seeding and drawing is one step: a statistics worker may replay as the drill grades."""


def _after_fork() -> None:
    """A process forked to replay part of a log (stats/splitreplay.py) has only the thread that
    forked: a lock another thread held at that instant would stay held there for ever."""
    global _DRAWING
    _DRAWING = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


def fuzz_seed(seed: int, key: str, reps: int) -> int:
    """The seed of a review's fuzz: the user's seed, the card and how many grades it has had, so
    that a grade button shows the interval the grade gives and a replay gives it again."""
    return zlib.crc32(f"{seed}:{key}:{reps}".encode())


class Fsrs6:
    """fsrs's Scheduler for one set of settings, as constants and one method."""

    def __init__(
        self,
        parameters: Parameters | None,
        desired_retention: float,
        learning_steps: tuple[timedelta, ...],
        relearning_steps: tuple[timedelta, ...],
        maximum_interval: int,
        fuzz: bool,
        seed: int,
    ) -> None:
        w = tuple(DEFAULT_PARAMETERS if parameters is None else parameters)
        self.w = w
        self.learning_steps = learning_steps
        self.relearning_steps = relearning_steps
        self.maximum_interval = maximum_interval
        self.fuzz = fuzz
        self.seed = seed
        self.decay: float = -w[20]
        self.factor: float = 0.9 ** (1 / self.decay) - 1
        self.interval_factor: float = (desired_retention ** (1 / self.decay)) - 1
        """fsrs's _next_interval: (s / factor) * this, rounded."""
        ratings = (1, 2, 3, 4)
        # Indexed by rating (0 unused).
        self.s0 = [0.0, *(max(w[r - 1], STABILITY_MIN) for r in ratings)]
        self.d0 = [0.0, *(min(max(w[4] - (E ** (w[5] * (r - 1))) + 1, 1.0), 10.0) for r in ratings)]
        self.short_growth = [0.0, *(E ** (w[17] * (r - 3 + w[18])) for r in ratings)]
        self.d_delta = [0.0, *(-(w[6] * (r - 3)) for r in ratings)]
        self.d_easy_part = w[7] * (w[4] - (E ** (w[5] * (4 - 1))) + 1)
        """w7 times fsrs's initial difficulty of Easy, unclamped (its mean reversion)."""
        self.d_keep = 1 - w[7]
        self.e_w8: float = E ** (w[8])
        self.short_forget: float = E ** (w[17] * w[18])
        self.hard_steps = self._hard_first(learning_steps)
        self.hard_relearn = self._hard_first(relearning_steps)
        self._fuzz_ranges: dict[int, tuple[int, int]] = {}
        self._spans: dict[int, timedelta] = {}
        self._random = _random.Random()
        """The C generator under `random.Random`: its seed and draws are the global `random`'s
        (whose Python `seed` only checks the argument's type before calling this one's)."""

    @staticmethod
    def _hard_first(steps: tuple[timedelta, ...]) -> timedelta | None:
        """Hard on a card's first (re)learning step: 1.5 steps, or between the first two."""
        if len(steps) == 1:
            return steps[0] * 1.5
        if len(steps) >= 2:
            return (steps[0] + steps[1]) / 2.0
        return None

    def review(self, key: str, card: Memory, rating: int, when: datetime) -> Outcome:
        """The card's state after grading `rating` (1-4) at `when` (aware UTC, not before its
        last review: the scheduler sees to that). One flat method: a replay calls it per grade."""
        tz = when.tzinfo
        if tz is not UTC and tz != UTC:
            raise ValueError("datetime must be timezone-aware and set to UTC")
        name, step, s, d, last = (
            card.state,
            card.step,
            card.stability,
            card.difficulty,
            card.last_review,
        )
        if name == "new":  # fsrs's new Card: learning, step 0, no memory yet
            name, step, s, d, last = "learning", 0, None, None, None
        elif name == "learning" and step is None:
            step = 0  # as fsrs's Card sets it
        if s is None or d is None:
            assert name == "learning"  # fsrs asserts the same for the other states
            s = self.s0[rating]
            d = self.d0[rating]
        else:
            w = self.w
            days = (when - last).days if last is not None else None
            if days is not None and days < 1:  # _short_term_stability
                grow = self.short_growth[rating] * (s ** -w[19])
                if rating != 1:
                    grow = max(grow, 1.0)
                s = max(s * grow, STABILITY_MIN)
            else:
                # get_card_retrievability (0 without a last review), then _next_stability
                recall: float = 0
                if days is not None:
                    recall = (1 + self.factor * (days if days > 0 else 0) / s) ** self.decay
                if rating == 1:  # _next_forget_stability
                    long_term: float = (
                        w[11]
                        * (d ** -w[12])
                        * (((s + 1) ** (w[13])) - 1)
                        * (E ** ((1 - recall) * w[14]))
                    )
                    s = max(min(long_term, s / self.short_forget), STABILITY_MIN)
                else:  # _next_recall_stability (its penalty and bonus are 1 but for Hard, Easy)
                    growth: float = (
                        self.e_w8 * (11 - d) * (s ** -w[9]) * ((E ** ((1 - recall) * w[10])) - 1)
                    )
                    if rating == 2:
                        growth = growth * w[15]
                    elif rating == 4:
                        growth = growth * w[16]
                    s = max(s * (1 + growth), STABILITY_MIN)
            # _next_difficulty: linear damping, then mean reversion towards Easy's, clamped
            d = d + (10.0 - d) * self.d_delta[rating] / 9.0
            d = min(max(self.d_easy_part + self.d_keep * d, 1.0), 10.0)
        if name == "review":
            if rating == 1 and self.relearning_steps:
                return "relearning", 0, s, d, when + self.relearning_steps[0]
            return name, step, s, d, when + self._interval(s, key, card.reps)
        assert step is not None
        if name == "learning":
            steps, hard = self.learning_steps, self.hard_steps
        else:
            steps, hard = self.relearning_steps, self.hard_relearn
        count = len(steps)
        if count == 0 or (step >= count and rating != 1) or rating == 4:
            pass  # to review
        elif rating == 1:
            return name, 0, s, d, when + steps[0]
        elif rating == 2:
            assert hard is not None
            return name, step, s, d, when + (hard if step == 0 else steps[step])
        elif step + 1 != count:  # Good, not the last step
            return name, step + 1, s, d, when + steps[step + 1]
        return "review", None, s, d, when + self._interval(s, key, card.reps)

    def _interval(self, s: float, key: str, reps: int) -> timedelta:
        """fsrs's next interval (whole days), fuzzed (see fuzz_seed)."""
        days = max(round((s / self.factor) * self.interval_factor), 1)
        days = min(days, self.maximum_interval)
        if self.fuzz and days >= 2.5:
            bounds = self._fuzz_ranges.get(days)
            if bounds is None:
                bounds = self._fuzz_ranges[days] = self._fuzz_range(days)
            low, high = bounds
            with _DRAWING:
                self._random.seed(fuzz_seed(self.seed, key, reps))
                draw = self._random.random()
            days = min(round((draw * (high - low + 1)) + low), self.maximum_interval)
        span = self._spans.get(days)
        if span is None:  # built once per length: building one costs more than adding it
            span = self._spans[days] = timedelta(days=days)
        return span

    def _fuzz_range(self, days: int) -> tuple[int, int]:
        """fsrs's bounds of a fuzzed interval of `days`."""
        delta = 1.0
        for start, end, factor in FUZZ_RANGES:
            delta += factor * max(min(float(days), end) - start, 0.0)
        low = max(2, round(days - delta))
        high = min(round(days + delta), self.maximum_interval)
        return min(low, high), high
