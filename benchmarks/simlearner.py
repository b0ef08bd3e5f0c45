"""Simulated learners for benchmarks/simulate.py: a hidden ("true") memory per card, from which
recall, the grade and the answer time are drawn.

Two memory models, so that the scheduler is not judged only by its own model:

- `fsrs6`: FSRS-6's memory equations, with the 21 parameters drawn per learner around the defaults
  and a hidden difficulty per card; time is continuous (a review 10 hours later is 10 hours
  later, not "the same day").
- `actr`: an ACT-R-style power law with a spacing effect (Pavlik & Anderson 2005): every
  presentation leaves a trace that decays as age^-d, and a trace laid down while the card is
  still strongly active decays faster (massed practice helps less). Recall is a logistic of the
  summed activation; the card's hidden difficulty moves the threshold.

Both are seeded: the same seed gives the same learner, cards and draws.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime

DEFAULT_W = (
    0.212, 1.2931, 2.3065, 8.2956, 6.4133, 0.8334, 3.0194, 0.001, 1.8722, 0.1666,
    0.796, 1.4835, 0.0614, 0.2629, 1.6483, 0.6014, 1.8729, 0.5425, 0.0912, 0.0658, 0.1542,
)  # fmt: skip
"""FSRS-6's default parameters (fsrs 6.3.2)."""

DAY = 86400.0
TRUTHS = ("fsrs6", "actr")


class Memory:
    """One learner's true memory of every card: recall probability, and the effect of a review."""

    def recall(self, key: str, at: datetime) -> float:
        raise NotImplementedError

    def review(self, key: str, at: datetime, rating: int) -> None:
        raise NotImplementedError


@dataclass
class _FsrsCard:
    stability: float
    difficulty: float
    last: datetime


@dataclass
class Fsrs6Memory(Memory):
    """FSRS-6 memory with this learner's parameters `w`; `offset` shifts each card's difficulty."""

    w: tuple[float, ...]
    offset: dict[str, float]
    cards: dict[str, _FsrsCard] = field(default_factory=dict)

    def _r(self, elapsed_days: float, stability: float) -> float:
        decay = -self.w[20]
        factor = 0.9 ** (1 / decay) - 1
        return float((1 + factor * max(0.0, elapsed_days) / stability) ** decay)

    def recall(self, key: str, at: datetime) -> float:
        card = self.cards.get(key)
        if card is None:
            return 0.0
        return self._r((at - card.last).total_seconds() / DAY, card.stability)

    def _d0(self, rating: int) -> float:
        w = self.w
        return w[4] - math.exp(w[5] * (rating - 1)) + 1

    def review(self, key: str, at: datetime, rating: int) -> None:
        w = self.w
        card = self.cards.get(key)
        if card is None:
            d = min(10.0, max(1.0, self._d0(rating) + self.offset.get(key, 0.0)))
            self.cards[key] = _FsrsCard(w[rating - 1], d, at)
            return
        elapsed = (at - card.last).total_seconds() / DAY
        s, d = card.stability, card.difficulty
        if elapsed < 1.0:  # a same-day review: FSRS-6's short-term stability
            gain = math.exp(w[17] * (rating - 3 + w[18])) * s ** (-w[19])
            if rating >= 3:
                gain = max(gain, 1.0)
            new_s = s * gain
        else:
            r = self._r(elapsed, s)
            if rating == 1:
                new_s = w[11] * d ** (-w[12]) * ((s + 1) ** w[13] - 1) * math.exp(w[14] * (1 - r))
                new_s = min(new_s, s / math.exp(w[17] * w[18]))
            else:
                hard = w[15] if rating == 2 else 1.0
                easy = w[16] if rating == 4 else 1.0
                growth = math.exp(w[8]) * (11 - d) * s ** (-w[9]) * (math.exp(w[10] * (1 - r)) - 1)
                new_s = s * (growth * hard * easy + 1)
        delta = -w[6] * (rating - 3)
        d = d + delta * (10 - d) / 9
        d = w[7] * (self._d0(4) + self.offset.get(key, 0.0)) + (1 - w[7]) * d
        card.stability = min(36500.0, max(0.001, new_s))
        card.difficulty = min(10.0, max(1.0, d))
        card.last = at


@dataclass
class ActrMemory(Memory):
    """ACT-R declarative memory with the spacing effect: activation m = ln(sum age_j^-d_j), where
    d_j = c * exp(m at presentation j) + a; recall = 1 / (1 + exp((tau - m) / s))."""

    a: float
    c: float
    tau: float
    s: float
    offset: dict[str, float]
    traces: dict[str, list[tuple[datetime, float]]] = field(default_factory=dict)

    MIN_AGE = 60.0 / DAY
    """Ages below a minute count as a minute (the sum would be unbounded at 0)."""

    def _activation(self, key: str, at: datetime) -> float:
        total = 0.0
        for when, decay in self.traces.get(key, ()):
            age = max(self.MIN_AGE, (at - when).total_seconds() / DAY)
            total += age ** (-decay)
        return math.log(total) if total > 0 else -math.inf

    def recall(self, key: str, at: datetime) -> float:
        m = self._activation(key, at)
        if m == -math.inf:
            return 0.0
        tau = self.tau + self.offset.get(key, 0.0)
        z = (tau - m) / self.s
        return 1.0 / (1.0 + math.exp(min(50.0, z)))

    def review(self, key: str, at: datetime, rating: int) -> None:
        m = self._activation(key, at)
        decay = self.c * (math.exp(m) if m > -math.inf else 0.0) + self.a
        self.traces.setdefault(key, []).append((at, min(decay, 2.0)))


def make_memory(truth: str, keys: list[str], rng: random.Random) -> Memory:
    """A learner's memory of `keys` under the truth model `truth` (fsrs6 or actr)."""
    if truth == "fsrs6":
        w = [v * math.exp(rng.gauss(0, 0.15)) for v in DEFAULT_W]
        w[20] = min(0.8, max(0.1, w[20]))
        w[7] = min(0.5, w[7])
        return Fsrs6Memory(tuple(w), {k: rng.gauss(0, 1.5) for k in keys})
    if truth == "actr":
        return ActrMemory(
            a=0.17 * math.exp(rng.gauss(0, 0.1)),
            c=0.22 * math.exp(rng.gauss(0, 0.1)),
            tau=-0.6 + rng.gauss(0, 0.1),
            s=0.25,
            offset={k: rng.gauss(0, 0.3) for k in keys},
        )
    raise ValueError(f"unknown truth model {truth!r} (known: {', '.join(TRUTHS)})")


@dataclass
class Learner:
    """One simulated person: true memory, grading habits and answer speed, all seeded."""

    memory: Memory
    rng: random.Random
    speed: float
    """This learner's answer time as a multiple of the card's target time."""

    def answer(self, key: str, at: datetime, target_s: float, new: bool) -> tuple[int, int]:
        """Show the card at `at`: the grade given (1-4) and the answer time in ms. The memory
        is updated (a review teaches whether or not the answer was recalled)."""
        p = self.memory.recall(key, at)
        rng = self.rng
        if rng.random() >= p:
            rating = 1
        else:  # a pass: Hard when recall was shaky, Easy when it was sure, Good mostly
            u = rng.random()
            hard = 0.04 + 0.4 * (1 - p)
            easy = 0.12 * p**4
            rating = 2 if u < hard else 4 if u > 1 - easy else 3
        self.memory.review(key, at, rating)
        scale = self.speed * math.exp(rng.gauss(0, 0.35))
        if rating == 1:
            scale *= 1.3  # reading the answer one did not know
        if new:
            scale *= 1.5  # first sight: reading the question and the answer
        seconds = min(600.0, max(2.0, target_s * scale))
        return rating, int(seconds * 1000)


def make_learner(truth: str, keys: list[str], seed: int) -> Learner:
    rng = random.Random(seed)
    memory = make_memory(truth, keys, rng)
    return Learner(memory, rng, speed=0.35 * math.exp(rng.gauss(0, 0.2)))
