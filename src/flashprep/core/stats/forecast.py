"""What is coming, and where every card is: the due forecast, the daily load, cards by state.

Functions of the card states alone (no review history), so they stand apart from the statistics
computed from the log.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from flashprep.core.scheduling.scheduler import CardState
from flashprep.core.stats.history import MATURE_DAYS
from flashprep.core.stats.studydays import Calendar
from flashprep.core.study.drill import is_available

FORECAST_DAYS = 30


def interval_days(state: CardState) -> float:
    """The interval a card is scheduled for, in days (0 for new cards)."""
    if state.due is None or state.last_review is None:
        return 0.0
    return max(0.0, (state.due - state.last_review).total_seconds() / 86400)


def forecast(
    keys: Iterable[str], states: Mapping[str, CardState], cal: Calendar, days: int = FORECAST_DAYS
) -> tuple[list[dict[str, Any]], float]:
    """Cards due on each of the next `days` study days (today holds the overdue ones; a card
    buried today counts tomorrow) and the daily load: the reviews a day the cards now studied
    ask for in the long run (the sum of 1 / interval, as in Anki)."""
    counts = [0] * days
    load = 0.0
    due_at: list[float] = []
    buried: list[int] = []
    for key in keys:
        state = states.get(key)
        if state is None or state.state == "new" or state.suspended or state.due is None:
            continue
        load += 1 / max(1.0, interval_days(state))
        due_at.append(state.due.timestamp())
        buried.append(state.buried_until.toordinal() if state.buried_until is not None else 0)
    horizon = cal.start(cal.today + days).timestamp()  # cards due later fall outside
    soon = [i for i, at in enumerate(due_at) if at < horizon]  # (only these are dated)
    order = sorted(soon, key=due_at.__getitem__)  # a day's cards in a run
    due_days = cal.days_of([due_at[i] for i in order])
    for index, due_day in zip(order, due_days, strict=True):
        day = max(due_day, cal.today, buried[index])
        if day - cal.today < days:
            counts[day - cal.today] += 1
    out = [
        {"date": date.fromordinal(cal.today + i).isoformat(), "due": n}
        for i, n in enumerate(counts)
    ]
    return out, round(load, 1)


def card_states(
    keys: Iterable[str], states: Mapping[str, CardState], cal: Calendar
) -> dict[str, int]:
    """Cards by state: new, learning (and relearning), young and mature reviews (interval under
    or at least 21 days), suspended, buried (for today)."""
    out = dict.fromkeys(("new", "learning", "young", "mature", "suspended", "buried"), 0)
    for key in keys:
        state = states.get(key)
        if state is None:
            out["new"] += 1
        elif state.suspended:
            out["suspended"] += 1
        elif not is_available(state, cal.today):
            out["buried"] += 1
        elif state.is_new:
            out["new"] += 1
        elif state.state == "review":
            out["mature" if interval_days(state) >= MATURE_DAYS else "young"] += 1
        else:
            out["learning"] += 1
    return out
