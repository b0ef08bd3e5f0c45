"""What the interview plan predicts for the date, for a given time a day: the numbers behind the
plan screen's forecast line ("on <date> you are predicted to recall N % of these decks; at your
pace, M %; K minutes a day would reach the target"), which the screen words.

Each card has a path to the date under the plan (plan.simulate: its reviews, answered Good) with
a cost in minutes and the recall it gives on the date; without more reviews it keeps the recall
it has. Over the days left, a budget buys those paths in order of recall gained per minute, as
the plan's daily choice does. benchmarks/simulate.py checks this prediction against simulated
learners.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.interview.budget import minutes_a_day, time_budget
from flashprep.core.interview.plan import (
    NEW_AGAIN_SHARE,
    Goal,
    active_keys,
    interview_keys,
    intro_days,
    simulate,
)
from flashprep.core.scheduling.scheduler import NEW
from flashprep.core.storage.userstore import UserStore


@dataclass(frozen=True)
class Paths:
    """Every interview card's path to the date: recall on the date without more study (`base`,
    summed) and the paths' (gain, minutes), best gain per minute first."""

    cards: int
    base: float
    paths: list[tuple[float, float]]
    days_left: int
    minutes_today: float
    """What is left of today's minutes (the other days have the whole budget)."""

    def recall(self, minutes_a_day: float) -> float:
        """Predicted mean recall on the date with `minutes_a_day` of study each day."""
        if not self.cards:
            return 0.0
        room = max(0.0, min(minutes_a_day, self.minutes_today)) + minutes_a_day * max(
            0, self.days_left - 1
        )
        total = self.base
        for gain, cost in self.paths:
            if cost <= room:
                total += gain
                room -= cost
            else:
                total += gain * room / cost
                break
        return total / self.cards

    def minutes_for(self, target: float) -> float | None:
        """The least minutes a day that reach a mean recall of `target` (None: none does)."""
        need = target * self.cards - self.base
        if need <= 0:
            return 0.0
        spent = 0.0
        for gain, cost in self.paths:
            if gain >= need:
                spent += cost * need / gain
                break
            need -= gain
            spent += cost
        else:
            return None
        # today counts only what is left of it: solve room(m) = spent for m
        days = max(1, self.days_left)
        per_day = spent / days
        if per_day > self.minutes_today and days > 1:
            per_day = (spent - self.minutes_today) / (days - 1)
        return per_day


def card_paths(
    library: DeckLibrary, store: UserStore, now: datetime | None = None, shift: float = 0.0
) -> Paths | None:
    """The paths of the interview's cards (None without an interview before its date); recall on
    the date as the readiness forecasts it (Goal.forecast, with the user's recall `shift`)."""
    interview = store.settings.interview
    goal = Goal.of(store)
    now = now or store.now()
    today = store.today(now)
    if interview is None or goal is None or today >= goal.day:
        return None
    keys = active_keys(store, interview_keys(library, interview), now)
    budget = time_budget(library, store, keys)
    per_grade_min = budget.per_grade_s / 60
    base = 0.0
    paths: list[tuple[float, float]] = []
    new_path: tuple[float, float] | None = None
    for key in keys:
        state = store.state(key)
        if state.is_new:
            if new_path is None:  # introduced in the middle of the days left for new cards
                intro = today + timedelta(days=intro_days(today, goal.day) // 2)
                grades, final = simulate(goal, key, NEW, now, intro)
                cost = max(1, grades) * (1 + NEW_AGAIN_SHARE) * per_grade_min
                new_path = (goal.forecast(final, shift), cost)
            paths.append(new_path)
            continue
        before = goal.forecast(state, shift)
        base += before
        grades, final = simulate(goal, key, state, now)
        gain = goal.forecast(final, shift) - before
        if grades and gain > 0:
            paths.append((gain, grades * per_grade_min))
    paths.sort(key=lambda p: -p[0] / p[1])
    return Paths(len(keys), base, paths, (goal.day - today).days, budget.left_s / 60)


@dataclass(frozen=True)
class Forecast:
    """The plan screen's forecast: numbers only (the screen words them)."""

    day: date
    target: float
    daily_minutes: int
    predicted: float
    """Mean recall on the date, following the plan within `daily_minutes`."""
    pace_minutes: float | None
    """The minutes a day the user studied lately (None: no study in the last week)."""
    at_pace: float | None
    minutes_for_target: float | None
    """The minutes a day that would reach the target (None: no amount would)."""

    def to_json(self) -> dict[str, Any]:
        """`plan --json`'s `forecast`: the figures of the plan screen's sentence (recalls as
        0-1 shares; the CLI adds the sentence, format.forecast_sentence)."""
        need = self.minutes_for_target
        return {
            "date": self.day.isoformat(),
            "target_recall": self.target,
            "daily_minutes": self.daily_minutes,
            "recall_on_date": round(self.predicted, 4),
            "pace_minutes": round(self.pace_minutes, 1) if self.pace_minutes is not None else None,
            "recall_at_pace": round(self.at_pace, 4) if self.at_pace is not None else None,
            "minutes_for_target": math.ceil(need) if need is not None else None,
        }


def forecast(
    library: DeckLibrary, store: UserStore, now: datetime | None = None, shift: float = 0.0
) -> Forecast | None:
    """The forecast for the user's interview (None without one before its date); `shift`: the
    user's recall shift (`stats --json`'s `calibration.recall_shift`: stats.optimize's
    forecast_shift)."""
    now = now or store.now()
    paths = card_paths(library, store, now, shift)
    interview = store.settings.interview
    if paths is None or interview is None:
        return None
    daily = store.settings.daily_minutes
    pace = minutes_a_day(store.log_dir, now)
    return Forecast(
        day=interview.date,
        target=interview.target_recall,
        daily_minutes=daily,
        predicted=paths.recall(daily),
        pace_minutes=pace,
        at_pace=paths.recall(pace) if pace is not None else None,
        minutes_for_target=paths.minutes_for(interview.target_recall),
    )
