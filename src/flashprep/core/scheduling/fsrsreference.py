"""A review through the fsrs library itself: the yardstick `fastreview` is held to.

The scheduler grades with `fastreview.Fsrs6`, fsrs 6.3's arithmetic written out. This module asks
the library for the same grade the way flashprep did before that (an fsrs Card, the global
`random` seeded per review as the scheduler seeds its own), so that tests and
`benchmarks/replay_speed.py` can replay any history both ways (`FsrsScheduler` in place of the
Scheduler) and compare them bit for bit. Nothing at run time uses it.
"""

from __future__ import annotations

import random
import threading
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from flashprep.core.scheduling.fastreview import fuzz_seed
from flashprep.core.scheduling.scheduler import (
    CardState,
    Rating,
    Scheduler,
    SchedulerSettings,
    StateName,
)

_TO_FSRS = {"learning": 1, "review": 2, "relearning": 3}
_FROM_FSRS: dict[int, StateName] = {1: "learning", 2: "review", 3: "relearning"}
_RANDOM = threading.Lock()
"""fsrs fuzzes with the global `random`: seeding, reviewing and restoring it is one step."""


@cache
def fsrs_scheduler(settings: SchedulerSettings) -> Any:
    """fsrs's Scheduler for our settings (parameters fitted or fsrs's defaults)."""
    from fsrs import Scheduler as FsrsScheduler

    extra = {} if settings.parameters is None else {"parameters": settings.parameters}
    return FsrsScheduler(
        desired_retention=settings.desired_retention,
        learning_steps=tuple(timedelta(minutes=m) for m in settings.learning_steps_minutes),
        relearning_steps=tuple(timedelta(minutes=m) for m in settings.relearning_steps_minutes),
        maximum_interval=settings.maximum_interval_days,
        enable_fuzzing=settings.fuzz,
        **extra,
    )


def fsrs_review(
    settings: SchedulerSettings, key: str, state: CardState, rating: int, now: datetime
) -> CardState:
    """The state after grading `rating` at `now`, as fsrs computes it (see the module)."""
    from fsrs import Card, State
    from fsrs import Rating as FsrsRating

    if state.is_new:
        card = Card(card_id=1, due=now)
    else:
        card = Card(
            card_id=1,
            state=State(_TO_FSRS[state.state]),
            step=state.step,
            stability=state.stability,
            difficulty=state.difficulty,
            due=state.due or now,
            last_review=state.last_review,
        )
    when = max(now, state.last_review) if state.last_review else now
    with _RANDOM:
        saved = random.getstate()
        random.seed(fuzz_seed(settings.seed, key, state.reps))
        try:
            new, _log = fsrs_scheduler(settings).review_card(
                card, FsrsRating(rating), review_datetime=when
            )
        finally:
            random.setstate(saved)
    lapse = state.state == "review" and rating == 1
    return state._replace(
        state=_FROM_FSRS[int(new.state)],
        step=new.step,
        stability=new.stability,
        difficulty=new.difficulty,
        due=new.due,
        last_review=new.last_review,
        reps=state.reps + 1,
        lapses=state.lapses + (1 if lapse else 0),
        buried_until=None,
    )


class FsrsScheduler(Scheduler):
    """The Scheduler, grading through the fsrs library (`fsrs_review`)."""

    def review(self, key: str, state: CardState, rating: Rating, now: datetime) -> CardState:
        if rating not in (1, 2, 3, 4):
            raise ValueError(f"rating must be 1-4, not {rating!r}")
        return fsrs_review(self.settings, key, state, rating, now)
