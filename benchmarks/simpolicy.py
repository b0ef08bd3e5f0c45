"""The study policies benchmarks/simulate.py compares, each one simulated day at a time.

`plan`, `fsrs`, `fsrs_paced` and `cram` run flashprep itself: its Drill, its FSRS scheduler and its
store (a real data folder, with an injected clock). `sm2` is Anki's SM-2 as it was used for
decades, written here for context (flashprep has no SM-2).

A day is one sitting at 18:00 that ends when the daily budget of minutes is spent or nothing is
left to show; the clock moves by each answer's time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from simlearner import Learner

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.interview.opendrill import open_drill
from flashprep.core.scheduling.scheduler import RATING_OF
from flashprep.core.storage.userstore import UserStore
from flashprep.core.study.drill import Drill

POLICIES = ("plan", "fsrs", "fsrs_paced", "cram", "sm2")
CRAM_DAYS = 3
"""The cram baseline goes over everything again in the last days before the date."""


class Clock:
    """The simulation's time: the store and the drill read it; the sitting moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Tally:
    """What a policy spent: grades and milliseconds."""

    reviews: int = 0
    ms: int = 0


@dataclass
class Sitting:
    """One day's study: who answers, how long they may study, and what it cost."""

    learner: Learner
    clock: Clock
    targets: dict[str, float]
    budget_ms: int
    tally: Tally
    spent_ms: int = 0

    @property
    def over(self) -> bool:
        return self.spent_ms >= self.budget_ms

    def answer(self, key: str, new: bool) -> tuple[int, int]:
        rating, ms = self.learner.answer(key, self.clock.now, self.targets[key], new)
        self.spent_ms += ms
        self.tally.reviews += 1
        self.tally.ms += ms
        self.clock.now += timedelta(milliseconds=ms)
        return rating, ms


def drill_until_budget(drill: Drill, sitting: Sitting) -> None:
    """Answer the drill's cards in its order until the budget is spent or it is finished."""
    store = drill.store
    while not drill.finished and not sitting.over:
        key = drill.current
        assert key is not None
        rating, ms = sitting.answer(key, store.state(key).is_new)
        drill.grade(RATING_OF[rating], ms)


def flashprep_day(
    policy: str, library: DeckLibrary, store: UserStore, sitting: Sitting, days_left: int
) -> None:
    """One sitting of a policy that runs flashprep: plan, fsrs, fsrs_paced or cram."""
    if policy == "plan":
        drill = open_drill(library, store)
    elif policy in ("fsrs", "fsrs_paced"):
        drill = Drill(library, store)
    elif policy == "cram":
        drill = Drill(library, store, keys=cram_order(library, store, days_left))
    else:
        raise ValueError(policy)
    drill_until_budget(drill, sitting)


def cram_order(library: DeckLibrary, store: UserStore, days_left: int) -> list[str]:
    """New cards first (then what is due); in the last days, every card again, least recently
    seen first."""
    keys = library.card_keys()
    states = store.states
    new = [k for k in keys if k not in states or states[k].is_new]
    seen = [k for k in keys if k in states and not states[k].is_new]
    if days_left <= CRAM_DAYS:
        seen.sort(key=lambda k: states[k].last_review or datetime.min)
        return seen + new
    end = store.now() + timedelta(hours=12)
    due = [k for k in seen if (states[k].due or end) < end]
    return new + due


# --- SM-2, as Anki used it (for context) --------------------------------------------------------


@dataclass
class _Sm2Card:
    due: datetime
    interval: float = 0.0
    ease: float = 2.5
    step: int = 0
    learning: bool = True


@dataclass
class Sm2:
    """Anki's SM-2: learning steps 1 and 10 minutes, graduating interval 1 day (4 on Easy),
    ease 250 %, Hard x1.2, Easy bonus 1.3, lapses back to a 10-minute step; 20 new cards and
    200 reviews a day."""

    keys: list[str]
    new_per_day: int = 20
    reviews_per_day: int = 200
    cards: dict[str, _Sm2Card] = field(default_factory=dict)
    STEPS: tuple[float, ...] = (1.0, 10.0)
    RELEARN: tuple[float, ...] = (10.0,)

    def _grade(self, card: _Sm2Card, rating: int, now: datetime) -> None:
        if card.learning:
            steps = self.STEPS if card.interval == 0 else self.RELEARN
            if rating == 1:
                card.step = 0
            elif rating == 4:
                card.step = len(steps)
                card.interval = max(card.interval, 4.0) if card.interval == 0 else card.interval
            elif rating == 3:
                card.step += 1
            if card.step >= len(steps):
                card.learning = False
                card.interval = max(1.0, card.interval)
                card.due = now + timedelta(days=card.interval)
            else:
                card.due = now + timedelta(minutes=steps[card.step])
            return
        late = max(0.0, (now - card.due).total_seconds() / 86400)
        if rating == 1:
            card.ease = max(1.3, card.ease - 0.2)
            card.interval = 1.0
            card.learning, card.step = True, 0
            card.due = now + timedelta(minutes=self.RELEARN[0])
            return
        if rating == 2:
            card.ease = max(1.3, card.ease - 0.15)
            card.interval = max(card.interval + 1, card.interval * 1.2)
        elif rating == 3:
            card.interval = max(card.interval + 1, (card.interval + late / 2) * card.ease)
        else:
            card.ease += 0.15
            card.interval = max(card.interval + 1, (card.interval + late) * card.ease * 1.3)
        card.due = now + timedelta(days=round(card.interval))

    def day(self, sitting: Sitting) -> None:
        now = sitting.clock.now
        end = now + timedelta(hours=10)
        due = sorted((c.due, k) for k, c in self.cards.items() if not c.learning and c.due < end)[
            : self.reviews_per_day
        ]
        queue = [k for _, k in due] + [k for k in self.keys if k not in self.cards][
            : self.new_per_day
        ]
        learning: list[str] = [k for k, c in self.cards.items() if c.learning]
        while not sitting.over:
            now = sitting.clock.now
            ready = sorted((self.cards[k].due, k) for k in learning if self.cards[k].due <= now)
            if ready:
                key = ready[0][1]
                learning.remove(key)
            elif queue:
                key = queue.pop(0)
            elif learning:
                key = min(learning, key=lambda k: self.cards[k].due)
                learning.remove(key)
                sitting.clock.now = max(now, self.cards[key].due)
            else:
                break
            card = self.cards.get(key)
            rating, _ = sitting.answer(key, card is None)
            if card is None:
                card = self.cards[key] = _Sm2Card(sitting.clock.now)
            self._grade(card, rating, sitting.clock.now)
            if card.learning and card.due < end:
                learning.append(key)


DayRunner = Callable[[Sitting, int], None]
